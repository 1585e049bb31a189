/**
 * The one table of CLI outcomes: exit statuses, and the codes the CLI itself gives to failures every command can
 * meet (a missing input is `file_not_found` in all of them). Every error is printed as
 *   buzzfinder <command>: error [<code>]: <message>
 * on stderr; codes raised by the core (decoder codes such as `not_wav`, `no_note`, `bad_manifest`, ...) keep
 * their own code and exit 1. README.md "Commands" documents this table: keep them together.
 */
import { BuzzfinderError } from '../shared/errors';

export const EXIT = {
  ok: 0,
  /** An error with a stable code. */
  error: 1,
  /** The command was called wrongly (unknown option, missing argument): code `usage`. */
  usage: 2,
  /** The command needs the local stack (`npm start`) and none is running. */
  stackNotRunning: 3,
  /** A wait (`--wait`) ran out of time. */
  timeout: 4,
} as const;

/** Codes the CLI gives to failures shared by several commands; `exit` is the process status. */
export const CLI_ERRORS = {
  usage: { exit: EXIT.usage, meaning: 'wrong options or arguments (see `buzzfinder <command> --help`)' },
  file_not_found: { exit: EXIT.error, meaning: 'an input file or folder does not exist' },
  unreadable: { exit: EXIT.error, meaning: 'an input exists but cannot be read (a folder where a file belongs, permissions)' },
  model_not_found: { exit: EXIT.error, meaning: 'the --model / --from folder holds no model' },
  dataset_not_found: { exit: EXIT.error, meaning: 'the --data folder does not exist' },
  port_in_use: { exit: EXIT.error, meaning: 'serve: the port is taken (another stack?): stop it, or set PORT' },
  stack_not_running: { exit: EXIT.stackNotRunning, meaning: 'no local stack is running (start it with `npm start`)' },
  timeout: { exit: EXIT.timeout, meaning: '--wait gave up (--timeout-sec)' },
  internal: { exit: EXIT.error, meaning: 'a bug: the message comes with a stack trace' },
} as const;

export type CliErrorCode = keyof typeof CLI_ERRORS;

/** A failure with one of the CLI's own codes (its exit status: exitStatusOf, from CLI_ERRORS). */
export class CliError extends BuzzfinderError {
  declare readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string) {
    super(code, message);
  }
}

/** Exit status of an error code: the table's, else 1 (every core code is an ordinary error). */
export function exitStatusOf(code: string): number {
  return Object.hasOwn(CLI_ERRORS, code) ? CLI_ERRORS[code as CliErrorCode].exit : EXIT.error;
}

/** The one line every command prints for an error. */
export function errorLine(command: string, code: string, message: string): string {
  return `buzzfinder ${command}: error [${code}]: ${message}\n`;
}
