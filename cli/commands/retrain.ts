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
import { JobStatus, jobKeys, MalformedMessageError, parseRetrainMessage } from '../../functions/retrain';
import { BuzzfinderError } from '../../shared/errors';
import { intOption, parseCommandArgs, UsageError } from '../args';
import { localStackRunning, requireLocalStack, waitFor } from '../wait';

const DEFAULT_TIMEOUT_SEC = 3600;

const HELP = `Usage: buzzfinder retrain --dataset <prefix> [--from <version>] [--epochs N] [--seed S] [--job-id <id>] [--wait] [--timeout-sec S]

  --dataset   prefix of the datasets bucket holding the labelled clips (manifest.json or <class>/*.wav)
  --from      fine-tune from this registered version (e.g. v0003) instead of training from scratch
  --epochs    maximum epochs (default: the trainer's); --seed: integer seed
  --job-id    name the job (default: generated); its status is models/<name>/jobs/<id>.json in the models bucket
  --wait      poll the job status until it has finished, then print it (local: needs the local stack,
              'npm start'; without one it stops at once, exit 3, queueing nothing)
  --timeout-sec S  give up waiting after S seconds (default ${DEFAULT_TIMEOUT_SEC}; exit 4; the job goes on)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { dataset: { type: 'string' }, from: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, 'job-id': { type: 'string' }, wait: { type: 'boolean' }, 'timeout-sec': { type: 'string' } },
    HELP,
    false,
  );
  if (!values.dataset) throw new UsageError('--dataset <prefix> is required');
  const timeoutSec = intOption(values['timeout-sec'], 'timeout-sec', DEFAULT_TIMEOUT_SEC);
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
  // The memory queue is the local stack's folder queue: only a running stack trains what is queued there.
  const local = config.queue === 'memory';
  if (values.wait && local) await requireLocalStack(config.localRoot, 'train the job');
  const queue = openQueue(config);
  const messageId = await queue.publish(message, { jobId });
  await queue.close();
  const models = openBucket(config, config.modelsBucket);
  const statusKey = jobKeys(config.modelName, jobId).status;
  const out = { jobId, messageId, queue: queue.location, message, status: `${models.location}/${statusKey}` };
  if (!values.wait) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    if (local && !(await localStackRunning(config.localRoot))) {
      process.stderr.write('note: no local stack is running; the job will be trained when it starts (npm start)\n');
    }
    return 0;
  }
  process.stderr.write(`queued job ${jobId} on ${queue.location}; its status will be ${out.status}\n`);
  const status = await waitFor({
    what: `job ${jobId} to finish`,
    probe: async () => {
      if (!(await models.exists(statusKey))) return undefined;
      const s = JSON.parse(new TextDecoder().decode(await models.read(statusKey))) as Pick<JobStatus, 'state' | 'errors'>;
      return s.state === 'succeeded' || s.state === 'failed' ? s : undefined;
    },
    timeoutSec,
    pollMs: 1000,
    hint: `the job goes on; its status is ${out.status} (wait longer with --timeout-sec)`,
  });
  process.stdout.write(JSON.stringify(status, null, 2) + '\n');
  if (status.state === 'failed') {
    const last = status.errors?.[status.errors.length - 1];
    throw new BuzzfinderError(last?.code ?? 'job_failed', `job ${jobId} failed${last ? `: ${last.message}` : ''}`);
  }
  return 0;
}
