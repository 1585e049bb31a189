/**
 * `buzzfinder serve` (= `npm start`): the local stack on 127.0.0.1 — classify endpoint, uploads watcher ->
 * split-take, retrain queue -> retrain. Ctrl-C stops it cleanly. See docs/cloud.md.
 */
import { loadConfig } from '../../adapters/config';
import { removeStackRecord, writeStackRecord } from '../../adapters/stack-record';
import { startLocalStack } from '../../functions/local-stack';
import { LocalFolderStore } from '../../adapters/storage/local';
import { intOption, parseCommandArgs } from '../args';
import { CliError } from '../errors';
import { stackTryLines } from '../stack-banner';

const HELP = `Usage: buzzfinder serve [--port N]

Starts everything locally with no cloud account (configuration: environment variables, docs/cloud.md):
  - classify on http://127.0.0.1:<port>/  (PORT, default 8080)
  - the take pages on http://127.0.0.1:<port>/takes/ (every take's report; listen, relabel, upload, retrain)
  - drop a .wav into <localRoot>/<uploads bucket>/ -> its report appears under <localRoot>/<reports bucket>/reports/
  - 'buzzfinder retrain --dataset <prefix>' messages are trained here (dataset under <localRoot>/<datasets bucket>/)
Logs are JSON lines on stdout. Ctrl-C (SIGINT) or SIGTERM stops it.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { port: { type: 'string' } }, HELP, false);
  const config = loadConfig();
  const port = intOption(values.port, 'port', config.port, 0);
  const stack = await startLocalStack(config, { port }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new CliError('port_in_use', `port ${port} on 127.0.0.1 is already in use (another 'npm start'?): stop it, or pick another port (PORT=8081 npm start)`);
    throw err;
  });
  // So that `upload --wait` / `retrain --wait` can tell at once whether a stack is there (adapters/stack-record.ts).
  writeStackRecord(config.localRoot, { pid: process.pid, port: stack.port, startedAt: new Date().toISOString() });
  const { config: c } = stack.runtime;
  process.stderr.write(
    [
      'buzzfinder local stack is running (127.0.0.1 only).',
      `  classify:      ${stack.url}`,
      `  take pages:    ${stack.takesUrl}  (upload takes, listen, correct labels, train on them)`,
      `  drop takes in: ${stack.uploadsDir}`,
      `  reports:       ${stack.reportsDir}`,
      `  summaries:     ${stack.reportsDir.replace(/reports$/, 'summaries')}`,
      `  models:        ${stack.runtime.models.location}  (fallback: ${c.defaultModelDir})`,
      `  datasets:      ${stack.runtime.datasets.location}`,
      `  retrain queue: ${stack.queueDir}`,
      '',
      ...stackTryLines({ url: stack.url, datasetsDir: stack.runtime.datasets instanceof LocalFolderStore ? stack.runtime.datasets.location : null }),
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`\n${signal}: stopping (finishing work in progress)...\n`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      stack.stop().then(resolve, (err) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        resolve();
      });
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  removeStackRecord(config.localRoot);
  process.stderr.write('stopped.\n');
  return 0;
}
