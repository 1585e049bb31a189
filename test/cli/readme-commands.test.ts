/**
 * Every command a newcomer copies from README.md, and every example the local stack's start banner prints,
 * runs as written in a fresh clone (test/helpers/clean-clone.ts), exits 0, does what it says, and leaves
 * nothing outside git-ignored folders.
 *
 * Which README blocks: "Try it" (both blocks: the offline commands, then the ones against `npm start`) and
 * "Your own guitar". Not run: the setup block at the top (scripts/setup.sh, `npm test`: CI runs those itself),
 * "Your own model" (a recipe around your own recordings in my-notes/ and a 3,000-clip dataset: minutes, not a
 * smoke test), "Deploying to Google Cloud" (needs a cloud project).
 *
 * The one change to a command: README names the default port 8080; the stack here runs on a free port (PORT,
 * as a user would move it), so `127.0.0.1:8080` is read as that port. The banner's lines are built for the
 * real URL by the module serve prints them from, so they run untouched.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stackTryLines } from '../../cli/stack-banner';
import { freePort } from '../../scripts/emulators/process';
import { cleanClone, CleanClone, REPO, runShell, ShellBlock, shellBlocks } from '../helpers/clean-clone';
import { acceptsConnections } from '../helpers/net';

const RUN_SECTIONS = ['Try it', 'Your own guitar'];
/** Commands that talk to the running stack: their whole block runs after `npm start`. */
const NEEDS_STACK = /127\.0\.0\.1:|buzzfinder (upload|retrain)\b/;

let clone: CleanClone;
let env: NodeJS.ProcessEnv;
let port: number;
let stack: ChildProcess | undefined;
let stackLog = '';
let statusBefore = '';
const ran = new Set<string>();

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- npm start output ---\n${stackLog.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const inClone = (...parts: string[]) => path.join(clone.dir, ...parts);
const readJson = <T>(...parts: string[]) => JSON.parse(fs.readFileSync(inClone(...parts), 'utf8')) as T;

/** What each kind of command must have produced, beyond exiting 0. */
function checkOutput(command: string, stdout: string): void {
  if (/buzzfinder synth-take/.test(command)) {
    const truth = readJson<{ notes: unknown[] }>('examples-out', 'truth.json');
    expect(truth.notes.length).toBeGreaterThan(0);
    expect(fs.statSync(inClone('examples-out', 'take.wav')).size).toBeGreaterThan(44);
  } else if (/report .*--json > (\S+)/.test(command)) {
    const report = readJson<{ format: string; notes: unknown[] }>(command.match(/--json > (\S+)/)![1]);
    expect(report.format).toBe('buzzfinder-report');
    expect(report.notes.length).toBeGreaterThan(0);
  } else if (/report .*--html (\S+)/.test(command)) {
    expect(fs.readFileSync(inClone(command.match(/--html (\S+)/)![1]), 'utf8')).toMatch(/^<!doctype html>/i);
  } else if (/buzzfinder report /.test(command)) {
    expect(stdout).toMatch(/\b(clean|buzzy|muted)\b/);
  } else if (/buzzfinder classify /.test(command)) {
    expect(stdout).toContain(path.basename(command.match(/classify (\S+)/)![1]));
    expect(stdout).toMatch(/\b(clean|buzzy|muted)\b/);
  } else if (/buzzfinder features .*--json/.test(command)) {
    const [features] = JSON.parse(stdout) as { frames: number; comprehensive: number[][] }[];
    expect(features.frames).toBe(87);
    expect(features.comprehensive[0]).toHaveLength(39);
  } else if (/buzzfinder personalize .*--out (\S+)/.test(command)) {
    expect(readJson<{ parentVersion: string }>(command.match(/--out (\S+)/)![1], 'metadata.json').parentVersion).toBeTruthy();
  } else if (/^curl /.test(command)) {
    const body = JSON.parse(stdout) as { results: { file: string; label?: string; error?: { code: string } }[] };
    // One result per file sent; each either a class or the not-a-note verdict.
    expect(body.results).toHaveLength((command.match(/@/g) ?? []).length);
    for (const r of body.results) expect(r.label ?? r.error?.code).toMatch(/^(clean|buzzy|muted|no_note)$/);
  } else if (/buzzfinder upload .*--wait/.test(command)) {
    const report = JSON.parse(stdout) as { format: string; notes: unknown[] };
    expect(report.format).toBe('buzzfinder-report');
    expect(report.notes.length).toBeGreaterThan(0);
  } else if (/buzzfinder dataset import .*--out (\S+)/.test(command)) {
    expect(readJson<{ clips: unknown[] }>(command.match(/--out (\S+)/)![1], 'manifest.json').clips).toHaveLength(10);
  } else if (/buzzfinder retrain .*--wait/.test(command)) {
    const status = JSON.parse(stdout) as { state: string; registered: { version: string | null } | null };
    expect(status.state).toBe('succeeded');
    expect(status.registered?.version).toMatch(/^v\d+$/);
  } else {
    throw new Error(`no output check for a documented command; add one: ${command}`);
  }
}

async function runDocumented(command: string): Promise<void> {
  if (ran.has(command)) return; // the banner repeats some README lines: once is enough
  ran.add(command);
  const result = await runShell(command, { cwd: clone.dir, env, timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${command}\n--- stderr ---\n${result.stderr.slice(-4000)}`);
  checkOutput(command, result.stdout);
}

const readmeBlocks = (): ShellBlock[] => shellBlocks(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')).filter((b) => RUN_SECTIONS.includes(b.section));
const needsStack = (b: ShellBlock) => b.commands.some((c) => NEEDS_STACK.test(c));

beforeAll(() => {
  clone = cleanClone();
  statusBefore = clone.status();
  env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('BUZZFINDER_') || k === 'PORT') delete env[k];
  // Sources instead of an `npm run build` (20 s); the uploads folder and queue polled often, to keep this quick.
  Object.assign(env, { BUZZFINDER_FROM_SOURCE: '1', BUZZFINDER_LOCAL_POLL_MS: '100' });
});

afterAll(() => {
  if (stack?.exitCode === null && stack.signalCode === null) stack.kill('SIGKILL');
  if (clone) fs.rmSync(clone.root, { recursive: true, force: true });
});

test('README names the blocks this test runs, with the commands a newcomer needs', () => {
  const blocks = readmeBlocks();
  expect(blocks.map((b) => b.section)).toEqual(expect.arrayContaining(RUN_SECTIONS));
  const all = blocks.flatMap((b) => b.commands).join('\n');
  for (const command of ['synth-take', 'report', 'classify', 'features', 'curl', 'upload', 'retrain', 'personalize']) expect(all).toContain(command);
  expect(blocks.filter(needsStack).length).toBeGreaterThan(0);
});

test('README commands that need no stack run as written', async () => {
  for (const block of readmeBlocks().filter((b) => !needsStack(b))) {
    for (const command of block.commands) await runDocumented(command);
  }
}, 240_000);

test('npm start, then the README commands against it, then the banner examples, run as written', async () => {
  port = await freePort();
  stack = spawn('npm', ['start'], { cwd: clone.dir, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  stack.stdout!.on('data', (d: Buffer) => (stackLog += d.toString()));
  stack.stderr!.on('data', (d: Buffer) => (stackLog += d.toString()));
  await waitFor(`npm start on port ${port}`, () => acceptsConnections(port), 90_000);

  const url = `http://127.0.0.1:${port}/`;
  for (const block of readmeBlocks().filter(needsStack)) {
    for (const command of block.commands) await runDocumented(command.replaceAll('http://127.0.0.1:8080/', url));
  }

  // The banner as serve printed it (from the module, not a copy): its "Try" lines, each command once.
  const banner = stackTryLines({ url, datasetsDir: inClone('.buzzfinder', 'datasets') }, clone.dir);
  const printed = banner.filter((l) => l.startsWith('  '));
  for (const line of printed) expect(stackLog).toContain(line.replace(/\s+#.*$/, ''));
  for (const line of printed) await runDocumented(line.trim());
  expect(ran.size).toBeGreaterThanOrEqual(printed.length);
}, 300_000);

test('the stack stops on SIGTERM to npm start, and nothing landed outside git-ignored folders', async () => {
  expect(stack).toBeDefined();
  const exited = new Promise<void>((resolve) => (stack!.exitCode !== null ? resolve() : stack!.once('exit', () => resolve())));
  process.kill(stack!.pid!, 'SIGTERM');
  await exited;
  expect(stackLog).toMatch(/SIGTERM: stopping/);
  expect(stackLog).toMatch(/stopped\./);
  expect(await acceptsConnections(port)).toBe(false);
  expect(clone.status()).toBe(statusBefore);
  expect(fs.existsSync(inClone('examples-out', 'take.wav'))).toBe(true);
}, 60_000);
