/**
 * End to end on the local stack, as a user runs it: `buzzfinder serve` in a child process (real CLI, real
 * folders, the functions framework's server on loopback), `buzzfinder upload --wait` and `buzzfinder retrain`
 * as separate processes. A synthetic take gets a report whose notes match the truth; a retrain job that is
 * killed (SIGKILL of the whole stack) mid-way resumes from its checkpoint after a restart, registers a new
 * version, and classify serves it after the refresh.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { LocalFolderStore } from '../../adapters/storage/local';
import type { JobStatus } from '../../functions/retrain';
import { encodeWav16 } from '../../shared/audio/encode';
import { onsetScores } from '../../shared/onsets/evaluate';
import type { TakeReport } from '../../shared/report/schema';
import { synthesizeTake } from '../../shared/synth/take';
import { freePort } from '../../scripts/emulators/process';
import { saveTinyDataset, saveTinyModel } from '../functions/helpers';

const REPO = path.resolve(__dirname, '../..');
const CLI = [path.join(REPO, 'bin', 'buzzfinder.js')];
const run = promisify(execFile);

let root: string;
let env: NodeJS.ProcessEnv;
let port: number;
let serve: ChildProcess | undefined;
let serveLog = '';

function startServe(): Promise<void> {
  serveLog = '';
  serve = spawn(process.execPath, [...CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stdout!.on('data', (d: Buffer) => (serveLog += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${serveLog}`)), 30_000);
    serve!.stderr!.on('data', (d: Buffer) => {
      serveLog += d.toString();
      if (serveLog.includes('local stack is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    serve!.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${serveLog}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

function get(pathname = '/'): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      // The health probes' own request lines would crowd out what explains the failure.
      const events = serveLog.split('\n').filter((line) => !line.includes('"message":"classify"'));
      throw new Error(`timed out waiting for ${what}\n--- serve log (without request lines) ---\n${events.join('\n').slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bf-e2e-'));
  port = await freePort();
  await saveTinyModel(new LocalFolderStore(path.join(root, 'default-model')), '', { version: 'default-e2e', seed: 11 });
  await saveTinyDataset(new LocalFolderStore(path.join(root, 'stack', 'datasets')), 'tiny');
  env = {
    ...process.env,
    BUZZFINDER_LOCAL_ROOT: path.join(root, 'stack'),
    BUZZFINDER_DEFAULT_MODEL_DIR: path.join(root, 'default-model'),
    PORT: String(port),
    BUZZFINDER_MODEL_REFRESH_SEC: '1',
    // One training batch per invocation (the tiny dataset is one batch per epoch): every epoch is a continuation.
    BUZZFINDER_TRAIN_BUDGET_SEC: '0.001',
    BUZZFINDER_JOB_LEASE_SEC: '2',
    BUZZFINDER_LOCAL_POLL_MS: '100',
  };
  await startServe();
}, 60_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGKILL');
    await exited(serve);
  }
  await fs.rm(root, { recursive: true, force: true });
});

test('serve answers on loopback with the bundled model, and records itself in stack.json', async () => {
  const health = await get();
  expect(health.status).toBe(200);
  expect(health.body.model).toEqual({ name: 'buzzfinder', version: 'default-e2e' });
  const record = JSON.parse(await fs.readFile(path.join(root, 'stack', 'stack.json'), 'utf8')) as { pid: number; port: number; startedAt: string };
  expect(record).toEqual({ pid: serve!.pid, port, startedAt: expect.any(String) });
});

test('upload --wait: a synthetic take gets a report whose notes match the truth', async () => {
  const take = synthesizeTake({ seconds: 6, seed: 21, condition: 'mixed' });
  const file = path.join(root, 'take.wav');
  await fs.writeFile(file, encodeWav16(take.samples, take.sampleRate));
  const { stdout, stderr } = await run(process.execPath, [...CLI, 'upload', file, '--wait', '--timeout-sec', '60'], { env, timeout: 90_000 });
  expect(stderr).toMatch(/waiting for the report of take\.wav/);
  const report = JSON.parse(stdout) as TakeReport;
  expect(report.format).toBe('buzzfinder-report');
  expect(report.model.version).toBe('default-e2e');
  const truth = take.truth.notes.map((n) => n.onsetSec);
  const scores = onsetScores(report.notes.map((n) => n.onsetSec), truth, 0.05);
  expect(scores.f1).toBeGreaterThanOrEqual(0.8);
  expect(report.summary.notes).toBe(report.notes.length);
  // The report is a plain file where serve said reports appear.
  const onDisk = await fs.readdir(path.join(root, 'stack', 'reports', 'reports'));
  expect(onDisk).toHaveLength(1);
  expect(onDisk[0]).toMatch(/^take\.wav\.\d+\.json$/);
}, 90_000);

test('retrain killed mid-way resumes from its checkpoint after a restart; classify then serves the latest registered version', async () => {
  const models = new LocalFolderStore(path.join(root, 'stack', 'models'));
  const statusKey = 'models/buzzfinder/jobs/e2e.json';
  await run(process.execPath, [...CLI, 'retrain', '--dataset', 'tiny', '--epochs', '2', '--seed', '4', '--job-id', 'e2e'], { env, timeout: 30_000 });
  // Kill the whole stack as soon as the first epoch's checkpoint is in.
  const first = await until(
    'the first checkpoint',
    async () => {
      if (!(await models.exists(statusKey))) return undefined;
      const s = JSON.parse(new TextDecoder().decode(await models.read(statusKey))) as JobStatus;
      return s.step >= 1 ? s : undefined;
    },
    60_000,
    20,
  );
  serve!.kill('SIGKILL');
  await exited(serve!);
  expect(first.state).toBe('running');
  const atKill = JSON.parse(new TextDecoder().decode(await models.read(statusKey))) as JobStatus;
  expect(atKill.state).toBe('running');
  expect(atKill.epoch).toBe(1);

  await startServe();
  const done = await until(
    'the job to finish after the restart',
    async () => {
      const s = JSON.parse(new TextDecoder().decode(await models.read(statusKey))) as JobStatus;
      return s.state === 'succeeded' || s.state === 'failed' ? s : undefined;
    },
    60_000,
  );
  // The empty registry got the bundled model as v0001 first; the trained v0002 was gated against it.
  expect(done).toMatchObject({ state: 'succeeded', epoch: 2, registered: { version: 'v0002' } });
  expect(done.step).toBeGreaterThanOrEqual(2);
  const latest = JSON.parse(new TextDecoder().decode(await models.read('models/buzzfinder/latest.json'))) as { version: string };
  expect(latest.version).toBe(done.registered!.promoted ? 'v0002' : 'v0001');
  const health = await until(`classify to serve ${latest.version}`, async () => {
    const h = await get();
    return (h.body.model as { version: string }).version === latest.version ? h : undefined;
  }, 30_000, 250);
  expect(health.body.model).toEqual({ name: 'buzzfinder', version: latest.version });

  // Ctrl-C / SIGTERM stops the stack cleanly.
  serve!.kill('SIGTERM');
  expect(await exited(serve!)).toBe(0);
  // A clean stop removes the record: upload --wait now says at once that no stack runs.
  await expect(fs.access(path.join(root, 'stack', 'stack.json'))).rejects.toThrow();
  const note = path.join(root, 'after-stop.wav');
  await fs.writeFile(note, encodeWav16(synthesizeTake({ seconds: 2, seed: 3, condition: 'mixed' }).samples, 22050));
  const noStack = await run(process.execPath, [...CLI, 'upload', note, '--wait'], { env, timeout: 30_000 }).catch((err: { code: number; stderr: string }) => err);
  expect(noStack).toMatchObject({ code: 3, stderr: expect.stringMatching(/error \[stack_not_running\]: .*npm start/) });
}, 120_000);
