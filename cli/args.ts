import { parseArgs, ParseArgsConfig } from 'node:util';

/** A mistake in how a command was called: printed with the command's name, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--help` was asked for: main prints `text` to stdout and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested');
  }
}

/**
 * Strict option parsing for every command (node:util parseArgs), with usage errors that say what was wrong.
 * `--help`/`-h` is always accepted and answered with the command's `help` text (see HelpRequested).
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, help: string, allowPositionals = true) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(help);
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested(help);
  return parsed;
}

/** A positive integer option, or the default when absent. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}
