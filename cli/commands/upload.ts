/**
 * `buzzfinder upload <take.wav> [--name <object>] [--wait] [--timeout-sec S]`: puts a take where split-take
 * picks it up — the local stack's uploads folder, or the uploads bucket when BUZZFINDER_STORAGE=gcs — and
 * prints the object and where its report will appear; --wait polls for the report and prints it.
 */
import * as path from 'node:path';
import { loadConfig } from '../../adapters/config';
import { openBucket } from '../../adapters/storage/open';
import { reportKeyFor, summaryKeyFor } from '../../functions/split-take';
import { bytesSource } from '../../shared/audio/source';
import { openWavStream } from '../../shared/audio/stream';
import { BuzzfinderError } from '../../shared/errors';
import { intOption, parseCommandArgs, UsageError } from '../args';
import { naming, readInputFile } from '../inputs';
import { localStackRunning, requireLocalStack, waitFor } from '../wait';

const DEFAULT_TIMEOUT_SEC = 300;

const HELP = `Usage: buzzfinder upload <take.wav> [--name <object name>] [--wait] [--timeout-sec S]

Writes the take to the uploads bucket (local: <localRoot>/<uploads bucket>/; gcs: gs://<uploads bucket>) as
<uploads prefix><file name> (or --name). Prints JSON: the object, its generation, and the report/summary names.
  --wait           poll until the report exists, then print it (local: needs the local stack, 'npm start';
                   without one it stops at once, exit 3, writing nothing)
  --timeout-sec S  give up waiting after S seconds (default ${DEFAULT_TIMEOUT_SEC}; exit 4)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, wait: { type: 'boolean' }, 'timeout-sec': { type: 'string' } }, HELP);
  if (positionals.length !== 1) throw new UsageError('expected exactly one take file');
  const file = positionals[0];
  const timeoutSec = intOption(values['timeout-sec'], 'timeout-sec', DEFAULT_TIMEOUT_SEC);
  const config = loadConfig();
  const bytes = readInputFile(file);
  // Refuse what split-take would only turn into an error report (the header is enough to know).
  try {
    await openWavStream(bytesSource(bytes), { maxBytes: config.maxUploadBytes });
  } catch (err) {
    throw naming(file, err);
  }
  const local = config.storage === 'local';
  if (values.wait && local) await requireLocalStack(config.localRoot, 'analyse the take');
  const name = values.name ?? `${config.uploadsPrefix}${path.basename(file)}`;
  const uploads = openBucket(config, config.uploadsBucket);
  const reports = openBucket(config, config.reportsBucket);
  const info = await uploads.write(name, bytes, { contentType: 'audio/wav' });
  const reportKey = reportKeyFor(name, info.generation);
  const out = {
    object: `${uploads.location}/${name}`,
    name,
    generation: info.generation,
    size: info.size,
    report: `${reports.location}/${reportKey}`,
    summary: `${reports.location}/${summaryKeyFor(name, info.generation)}`,
  };
  if (!values.wait) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    if (local && !(await localStackRunning(config.localRoot))) {
      process.stderr.write('note: no local stack is running; the take will be analysed when it starts (npm start)\n');
    }
    return 0;
  }
  process.stderr.write(`uploaded ${out.object} (generation ${info.generation}); its report will be ${out.report}\n`);
  const report = await waitFor({
    what: `the report of ${path.basename(name)}`,
    probe: async () => ((await reports.exists(reportKey)) ? (JSON.parse(new TextDecoder().decode(await reports.read(reportKey))) as { error?: { code: string; message: string } }) : undefined),
    timeoutSec,
    pollMs: 500,
    hint: local
      ? `the take stays in ${uploads.location} and the stack will still analyse it (wait longer with --timeout-sec)`
      : 'is the split-take function deployed? (wait longer with --timeout-sec)',
  });
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  if (report.error) throw new BuzzfinderError(report.error.code, `the take could not be analysed: ${report.error.message}`);
  return 0;
}
