/**
 * The running local stack records itself in <localRoot>/stack.json ({pid, port, startedAt}); `upload --wait` and
 * `retrain --wait` read it to tell at once whether anything will answer. The record is removed on a clean stop;
 * a stale one (killed stack) is harmless: alive = the pid exists AND GET http://127.0.0.1:<port>/ answers.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

export interface StackRecord {
  pid: number;
  port: number;
  startedAt: string;
}

export const STACK_RECORD_FILE = 'stack.json';

/** How long the health probe waits for the stack to answer. */
const PROBE_TIMEOUT_MS = 2000;

export function stackRecordPath(localRoot: string): string {
  return path.join(localRoot, STACK_RECORD_FILE);
}

export function writeStackRecord(localRoot: string, record: StackRecord): void {
  fs.mkdirSync(localRoot, { recursive: true });
  const file = stackRecordPath(localRoot);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Removes the record if it is still this process's (a newer stack may have replaced it). */
export function removeStackRecord(localRoot: string, pid = process.pid): void {
  if (readStackRecord(localRoot)?.pid === pid) fs.rmSync(stackRecordPath(localRoot), { force: true });
}

export function readStackRecord(localRoot: string): StackRecord | null {
  try {
    const r = JSON.parse(fs.readFileSync(stackRecordPath(localRoot), 'utf8')) as Partial<StackRecord>;
    if (Number.isInteger(r.pid) && Number.isInteger(r.port) && typeof r.startedAt === 'string') return r as StackRecord;
  } catch {
    // missing or unreadable: no stack recorded
  }
  return null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The record of a stack that is running and answering, or null. */
export async function findRunningStack(localRoot: string): Promise<StackRecord | null> {
  const record = readStackRecord(localRoot);
  if (!record || !pidAlive(record.pid)) return null;
  return (await answers(record.port)) ? record : null;
}
