/**
 * `npx buzzfinder <command> [...]`: one entry point, one module per command in cli/commands/.
 * Machine-readable output (--json) goes to stdout only; messages and errors go to stderr.
 */
import { BuzzfinderError } from '../shared/errors';
import { HelpRequested, UsageError } from './args';

interface CommandModule {
  /** One line for `buzzfinder help`. */
  summary: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

// Loaded lazily so `buzzfinder features` never pays for tfjs or the cloud clients.
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, () => CommandModule> = {
  features: () => require('./commands/features'),
  classify: () => require('./commands/classify'),
  report: () => require('./commands/report'),
  dataset: () => require('./commands/dataset'),
  'synth-take': () => require('./commands/synth-take'),
  train: () => require('./commands/train'),
  personalize: () => require('./commands/personalize'),
  evaluate: () => require('./commands/evaluate'),
  'import-keras': () => require('./commands/import-keras'),
  upload: () => require('./commands/upload'),
  retrain: () => require('./commands/retrain'),
  serve: () => require('./commands/serve'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

function usage(): string {
  const lines = Object.keys(COMMANDS).map((name) => {
    let summary = '';
    try {
      summary = COMMANDS[name]().summary;
    } catch {
      summary = '(unavailable)';
    }
    return `  ${name.padEnd(14)}${summary}`;
  });
  return ['Usage: buzzfinder <command> [options]   (buzzfinder <command> --help for details)', '', 'Commands:', ...lines].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`buzzfinder: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await load().run(rest);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.text + '\n');
      return 0;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`buzzfinder ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof BuzzfinderError) {
      process.stderr.write(`buzzfinder ${name}: error [${err.code}]: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`buzzfinder ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`buzzfinder: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
