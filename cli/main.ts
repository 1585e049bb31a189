/**
 * `npx buzzfinder <command> [...]`: one entry point, one module per command in cli/commands/.
 * Machine-readable output (--json) goes to stdout only; messages and errors go to stderr.
 */
import { BuzzfinderError } from '../shared/errors';
import { HelpRequested, UsageError } from './args';
import { errorLine, EXIT, exitStatusOf } from './errors';

interface CommandModule {
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

interface CommandEntry {
  /** One line for `buzzfinder help` (kept here so that listing the commands loads none of them). */
  summary: string;
  load: () => CommandModule;
}

// Loaded lazily so each command pays only for what it uses (`features`, `synth-take`, `--help` never load tfjs).
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, CommandEntry> = {
  features: { summary: 'Comprehensive MFCC (87 x 39, librosa-compatible) of WAV files', load: () => require('./commands/features') },
  classify: { summary: 'Classify 2 s clips (WAV) as buzzy / clean / muted', load: () => require('./commands/classify') },
  report: { summary: 'Per-note report of a take: onset time, pitch, clean/buzzy/muted', load: () => require('./commands/report') },
  dataset: { summary: 'Generate a labelled clip dataset (synth + soundfont), or import your own recordings', load: () => require('./commands/dataset') },
  'synth-take': { summary: 'Synthesise a guitar take (WAV) with exact note truth (JSON) for testing note splitting', load: () => require('./commands/synth-take') },
  train: { summary: 'Train a model on a dataset folder (optionally fine-tuning an existing model)', load: () => require('./commands/train') },
  personalize: { summary: 'Tune a model to your own guitar from a few labelled notes', load: () => require('./commands/personalize') },
  evaluate: { summary: 'Accuracy, F1 and confusion matrix of a model on a dataset split (per source and group)', load: () => require('./commands/evaluate') },
  'import-keras': { summary: "Convert the original project's Keras .h5 model into a buzzfinder model folder", load: () => require('./commands/import-keras') },
  upload: { summary: 'Upload a take for a per-note report (local stack or Cloud Storage); --wait prints the report', load: () => require('./commands/upload') },
  retrain: { summary: 'Queue a retraining job on a dataset prefix (local stack or Pub/Sub)', load: () => require('./commands/retrain') },
  serve: { summary: 'Run the local stack: classify endpoint, take reports, retraining (127.0.0.1)', load: () => require('./commands/serve') },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Every command's name (test/cli/errors.test.ts checks each has a failing case). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(14)}${summary}`);
  return ['Usage: buzzfinder <command> [options]   (buzzfinder <command> --help for details)', '', 'Commands:', ...lines].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`buzzfinder: error [usage]: unknown command '${name}'\n\n${usage()}\n`);
    return EXIT.usage;
  }
  try {
    return await command.load().run(rest);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.text + '\n');
      return EXIT.ok;
    }
    return reportError(name, err);
  }
}

/** Prints an error the one way (cli/errors.ts) and returns its exit status; a stack trace only for bugs. */
export function reportError(command: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(errorLine(command, 'usage', `${err.message} (see buzzfinder ${command} --help)`));
    return EXIT.usage;
  }
  if (err instanceof BuzzfinderError) {
    process.stderr.write(errorLine(command, err.code, err.message));
    return exitStatusOf(err.code);
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(errorLine(command, 'internal', message));
  return EXIT.error;
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
