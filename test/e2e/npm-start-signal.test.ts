/**
 * `npm start` as a user runs it, stopped with `kill <pid of npm start>` (SIGTERM): the whole stack must stop,
 * the port must be free and no process it started may be left (package.json's start script execs node, so
 * npm's signal forwarding reaches the server itself; docs/cloud.md "Stopping the stack").
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../scripts/emulators/process';
import { acceptsConnections } from '../helpers/net';

const REPO = path.resolve(__dirname, '../..');

/** Pids of every live descendant of `root` (from /proc). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may contain spaces, so parse after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(root);
  return found;
}

function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start', () => {
  let npm: ChildProcess | undefined;
  let started: number[] = [];
  let root = '';

  afterAll(() => {
    // Only if the test failed: never leave what it started running.
    for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (npm?.pid && isAlive(npm.pid)) npm.kill('SIGKILL');
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('stops the whole stack when the npm process gets SIGTERM: port free, no child left', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-npm-start-'));
    const port = await freePort();
    let log = '';
    npm = spawn('npm', ['start'], {
      cwd: REPO,
      env: { ...process.env, PORT: String(port), BUZZFINDER_LOCAL_ROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    npm.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => npm!.once('exit', (code, signal) => resolve({ code, signal })));

    await waitFor(`the stack on port ${port}`, () => acceptsConnections(port), 90_000, () => log);
    started = descendants(npm.pid!);
    expect(started.length).toBeGreaterThan(0);

    process.kill(npm.pid!, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 30_000)))]);
    clearTimeout(timer);
    expect(exit).not.toBeNull();
    expect(log).toMatch(/SIGTERM: stopping/);
    await waitFor('the stack to let go of its children', () => started.every((pid) => !isAlive(pid)), 10_000, () => log);
    expect(started.filter(isAlive)).toEqual([]);
    expect(await acceptsConnections(port)).toBe(false);
  }, 150_000);
});
