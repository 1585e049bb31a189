/**
 * `--wait` for commands that hand work to the local stack (upload, retrain): say at once when no stack is running
 * (exit 3), show progress while waiting, give up clearly after --timeout-sec (exit 4). See cli/errors.ts.
 */
import { findRunningStack, stackRecordPath } from '../adapters/stack-record';
import { CliError } from './errors';

/** Seconds between "waiting for ..." lines on stderr. */
export const WAIT_PROGRESS_EVERY_SEC = 5;

/** Throws stack_not_running unless a local stack records itself under `localRoot` and answers. */
export async function requireLocalStack(localRoot: string, action: string): Promise<void> {
  if (await findRunningStack(localRoot)) return;
  throw new CliError(
    'stack_not_running',
    `no local stack is running (none recorded in ${stackRecordPath(localRoot)}, or it does not answer), so nothing would ${action}. ` +
      'Start it in another terminal with: npm start   (then run this again)',
  );
}

/** True when a local stack is running (for a hint when not waiting). */
export async function localStackRunning(localRoot: string): Promise<boolean> {
  return (await findRunningStack(localRoot)) !== null;
}

export interface WaitOptions<T> {
  /** What is awaited, for the progress lines: "the report of take.wav". */
  what: string;
  /** The result, or undefined while it is not there yet. */
  probe: () => Promise<T | undefined>;
  timeoutSec: number;
  pollMs: number;
  /** The timeout's message after "gave up waiting for <what> after N s; ". */
  hint: string;
}

export async function waitFor<T>(o: WaitOptions<T>): Promise<T> {
  const started = Date.now();
  let nextProgress = WAIT_PROGRESS_EVERY_SEC;
  process.stderr.write(`waiting for ${o.what} (up to ${o.timeoutSec} s)…\n`);
  for (;;) {
    const result = await o.probe();
    if (result !== undefined) return result;
    const elapsed = (Date.now() - started) / 1000;
    if (elapsed >= o.timeoutSec) throw new CliError('timeout', `gave up waiting for ${o.what} after ${o.timeoutSec} s; ${o.hint}`);
    if (elapsed >= nextProgress) {
      process.stderr.write(`waiting for ${o.what} (${Math.floor(elapsed)} s)…\n`);
      nextProgress += WAIT_PROGRESS_EVERY_SEC;
    }
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs, Math.max(1, o.timeoutSec * 1000 - (Date.now() - started)))));
  }
}
