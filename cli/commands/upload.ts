/**
 * `buzzfinder upload <take.wav> [--name <object>] [--wait] [--timeout S]`: puts a take where split-take
 * picks it up — the local stack's uploads folder, or the uploads bucket when BUZZFINDER_STORAGE=gcs — and
 * prints the object and where its report will appear; --wait polls for the report and prints it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../adapters/config';
import { openBucket } from '../../adapters/storage/open';
import { reportKeyFor, summaryKeyFor } from '../../functions/split-take';
import { intOption, parseCommandArgs, UsageError } from '../args';

const HELP = `Usage: buzzfinder upload <take.wav> [--name <object name>] [--wait] [--timeout S]

Writes the take to the uploads bucket (local: <localRoot>/<uploads bucket>/; gcs: gs://<uploads bucket>) as
<uploads prefix><file name> (or --name). Prints JSON: the object, its generation, and the report/summary names.
  --wait       poll until the report exists, then print it (local: needs 'buzzfinder serve' running)
  --timeout S  give up waiting after S seconds (default 300)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, wait: { type: 'boolean' }, timeout: { type: 'string' } }, HELP);
  if (positionals.length !== 1) throw new UsageError('expected exactly one take file');
  const file = positionals[0];
  const timeoutSec = intOption(values.timeout, 'timeout', 300);
  const config = loadConfig();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
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
    return 0;
  }
  process.stderr.write(`uploaded ${out.object} (generation ${info.generation}); waiting for ${out.report}...\n`);
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    if (await reports.exists(reportKey)) {
      const report = JSON.parse(new TextDecoder().decode(await reports.read(reportKey))) as { error?: { code: string; message: string } };
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      if (report.error) {
        process.stderr.write(`buzzfinder upload: the take could not be analysed [${report.error.code}]: ${report.error.message}\n`);
        return 1;
      }
      return 0;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stderr.write(`buzzfinder upload: no report after ${timeoutSec} s (is 'buzzfinder serve' running, or the split-take function deployed?)\n`);
  return 1;
}
