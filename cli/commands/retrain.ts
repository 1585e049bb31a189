/**
 * `buzzfinder retrain --dataset <prefix> [--from v] [--epochs N] [--seed S] [--job-id id]`: asks for a new
 * model version. Locally the message is a file in the local stack's queue folder (<localRoot>/queue/retrain/,
 * picked up by 'buzzfinder serve', now or when it next starts); with BUZZFINDER_QUEUE=pubsub it is published
 * to the retrain topic. Prints the job id and where its status appears.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../adapters/config';
import { openQueue } from '../../adapters/queue/open';
import { openBucket } from '../../adapters/storage/open';
import { jobKeys, MalformedMessageError, parseRetrainMessage } from '../../functions/retrain';
import { intOption, parseCommandArgs, UsageError } from '../args';

const HELP = `Usage: buzzfinder retrain --dataset <prefix> [--from <version>] [--epochs N] [--seed S] [--job-id <id>] [--wait]

  --dataset   prefix of the datasets bucket holding the labelled clips (manifest.json or <class>/*.wav)
  --from      fine-tune from this registered version (e.g. v0003) instead of training from scratch
  --epochs    maximum epochs (default: the trainer's); --seed: integer seed
  --job-id    name the job (default: generated); its status is models/<name>/jobs/<id>.json in the models bucket
  --wait      poll the job status until it has finished, then print it`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { dataset: { type: 'string' }, from: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, 'job-id': { type: 'string' }, wait: { type: 'boolean' } },
    HELP,
    false,
  );
  if (!values.dataset) throw new UsageError('--dataset <prefix> is required');
  const jobId = values['job-id'] ?? `job-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
  let message;
  try {
    message = parseRetrainMessage({
      dataset: values.dataset,
      ...(values.from ? { from: values.from } : {}),
      ...(values.epochs !== undefined ? { epochs: intOption(values.epochs, 'epochs', 1) } : {}),
      ...(values.seed !== undefined ? { seed: intOption(values.seed, 'seed', 0, -2147483648) } : {}),
      jobId,
    });
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new UsageError(err.message);
    throw err;
  }
  const config = loadConfig();
  const queue = openQueue(config);
  const messageId = await queue.publish(message, { jobId });
  await queue.close();
  const models = openBucket(config, config.modelsBucket);
  const statusKey = jobKeys(config.modelName, jobId).status;
  const out = { jobId, messageId, queue: queue.location, message, status: `${models.location}/${statusKey}` };
  if (!values.wait) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  process.stderr.write(`queued job ${jobId} on ${queue.location}; waiting for ${out.status}...\n`);
  for (;;) {
    if (await models.exists(statusKey)) {
      const status = JSON.parse(new TextDecoder().decode(await models.read(statusKey))) as { state: string };
      if (status.state === 'succeeded' || status.state === 'failed') {
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return status.state === 'succeeded' ? 0 : 1;
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
