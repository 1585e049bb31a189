/**
 * One error style for every command (cli/errors.ts): each command in COMMANDS has failing cases here, run
 * in-process through main(), asserting the exit status and the `buzzfinder <cmd>: error [<code>]:` line.
 * Adding a command without a case fails the coverage test.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stackRecordPath, writeStackRecord } from '../../adapters/stack-record';
import { CLI_ERRORS, EXIT } from '../../cli/errors';
import { COMMAND_NAMES, reportError } from '../../cli/main';
import { encodeWav16 } from '../../shared/audio/encode';
import { runInProcess as runCli } from '../helpers/run-cli';

let tmp: string;
let root: string;
let wav: string;
let notWav: string;
let missing: string;
// A port this test holds, so that `serve` finds it taken.
let busy: http.Server;
let busyPort: number;
const savedEnv = { ...process.env };

beforeAll(async () => {
  busy = http.createServer((_req, res) => res.end());
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as AddressInfo).port;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-cli-errors-'));
  root = path.join(tmp, 'stack');
  process.env.BUZZFINDER_LOCAL_ROOT = root;
  delete process.env.BUZZFINDER_STORAGE;
  delete process.env.BUZZFINDER_QUEUE;
  wav = path.join(tmp, 'take.wav');
  const samples = new Float32Array(22050).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 22050));
  fs.writeFileSync(wav, encodeWav16(samples, 22050));
  notWav = path.join(tmp, 'notes.wav');
  fs.writeFileSync(notWav, 'this is text, not a RIFF/WAVE file');
  missing = path.join(tmp, 'no-such.wav');
});

afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  process.env = savedEnv;
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Case {
  argv: () => string[];
  exit: number;
  code: string;
  /** classify prints its table for the files it could read (each file stands alone). */
  tableOnStdout?: true;
  /** Environment variables set for this case only. */
  env?: Record<string, string>;
}

/** At least one failing case per command; the same failure has the same code in every command. */
const CASES: Record<string, Case[]> = {
  features: [
    { argv: () => ['features', missing], exit: 1, code: 'file_not_found' },
    { argv: () => ['features', notWav], exit: 1, code: 'not_wav' },
    { argv: () => ['features', '--jsn', wav], exit: 2, code: 'usage' },
  ],
  classify: [
    { argv: () => ['classify', missing], exit: 1, code: 'file_not_found', tableOnStdout: true },
    { argv: () => ['classify', notWav], exit: 1, code: 'not_wav', tableOnStdout: true },
    { argv: () => ['classify', wav, '--model', path.join(tmp, 'no-model')], exit: 1, code: 'model_not_found' },
  ],
  report: [
    { argv: () => ['report', missing], exit: 1, code: 'file_not_found' },
    { argv: () => ['report', notWav], exit: 1, code: 'not_wav' },
    { argv: () => ['report', wav, '--overlap', 'drop'], exit: 2, code: 'usage' },
  ],
  dataset: [
    { argv: () => ['dataset', 'import', missing, '--out', path.join(tmp, 'ds1')], exit: 1, code: 'file_not_found' },
    { argv: () => ['dataset', '--out', path.join(tmp, 'ds2'), '--sources', 'bogus'], exit: 2, code: 'usage' },
  ],
  'synth-take': [{ argv: () => ['synth-take', '--truth', path.join(tmp, 't.json')], exit: 2, code: 'usage' }],
  train: [{ argv: () => ['train', '--data', path.join(tmp, 'no-data'), '--out', path.join(tmp, 'm1')], exit: 1, code: 'dataset_not_found' }],
  personalize: [
    { argv: () => ['personalize', missing, '--out', path.join(tmp, 'm2')], exit: 1, code: 'file_not_found' },
    { argv: () => ['personalize', notWav, '--out', path.join(tmp, 'm3'), '--labels', path.join(tmp, 'no.csv')], exit: 1, code: 'bad_labels' },
  ],
  evaluate: [
    { argv: () => ['evaluate', '--model', path.join(tmp, 'no-model'), '--data', tmp], exit: 1, code: 'model_not_found' },
    { argv: () => ['evaluate', '--data', tmp], exit: 2, code: 'usage' },
  ],
  'import-keras': [{ argv: () => ['import-keras', path.join(tmp, 'none.h5'), '--out', path.join(tmp, 'k')], exit: 1, code: 'file_not_found' }],
  upload: [
    { argv: () => ['upload', missing], exit: 1, code: 'file_not_found' },
    { argv: () => ['upload', notWav], exit: 1, code: 'not_wav' },
    { argv: () => ['upload', wav, '--wait'], exit: 3, code: 'stack_not_running' },
    { argv: () => ['upload', wav, '--timeout-sec', 'soon'], exit: 2, code: 'usage' },
  ],
  retrain: [
    { argv: () => ['retrain'], exit: 2, code: 'usage' },
    { argv: () => ['retrain', '--dataset', 'mine', '--wait'], exit: 3, code: 'stack_not_running' },
  ],
  serve: [
    { argv: () => ['serve', '--port', 'eighty'], exit: 2, code: 'usage' },
    { argv: () => ['serve', '--port', String(busyPort)], exit: 1, code: 'port_in_use' },
    { argv: () => ['serve'], env: { BUZZFINDER_STORAGE: 'gcs' }, exit: 1, code: 'bad_config' },
    { argv: () => ['serve'], env: { PORT: 'abc' }, exit: 1, code: 'bad_config' },
  ],
};

describe('one error style for every command', () => {
  it('every command in COMMANDS has a failing case here', () => {
    expect(Object.keys(CASES).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  for (const [command, cases] of Object.entries(CASES)) {
    it(`${command}: exit status and "error [code]" on stderr, nothing on stdout`, async () => {
      for (const c of cases) {
        const argv = c.argv();
        const before = { ...process.env };
        Object.assign(process.env, c.env ?? {});
        const r = await runCli(argv).finally(() => {
          process.env = before;
        });
        const line = `buzzfinder ${command}: error [${c.code}]: `;
        expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: c.exit, stderr: expect.stringContaining(line) });
        if (!c.tableOnStdout) expect(r.stdout).toBe('');
        // Only bugs get a stack trace.
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    });
  }

  it('the exit statuses in the table are the documented ones', () => {
    expect(EXIT).toEqual({ ok: 0, error: 1, usage: 2, stackNotRunning: 3, timeout: 4 });
    expect(CLI_ERRORS.stack_not_running.exit).toBe(3);
    expect(CLI_ERRORS.timeout.exit).toBe(4);
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    for (const code of Object.keys(CLI_ERRORS)) expect(readme).toContain(`\`${code}\``);
  });

  it('an internal error (a bug) is [internal] with its stack trace, exit 1', () => {
    let stderr = '';
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      expect(reportError('report', new TypeError('boom'))).toBe(1);
    } finally {
      err.mockRestore();
    }
    expect(stderr).toMatch(/^buzzfinder report: error \[internal\]: TypeError: boom\n\s+at /);
  });
});

describe('upload / retrain --wait and the local stack', () => {
  it('with no stack: says so at once, names `npm start`, writes and queues nothing', async () => {
    const started = Date.now();
    const upload = await runCli(['upload', wav, '--wait']);
    const retrain = await runCli(['retrain', '--dataset', 'mine', '--wait']);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const r of [upload, retrain]) {
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/error \[stack_not_running\]: .*npm start/);
    }
    expect(fs.existsSync(path.join(root, 'uploads'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'queue'))).toBe(false);
  });

  it('a stale record (dead pid, or nothing answering on its port) counts as no stack', async () => {
    writeStackRecord(root, { pid: 2 ** 22 + 12345, port: 9, startedAt: new Date().toISOString() });
    expect((await runCli(['upload', wav, '--wait'])).code).toBe(3);
    writeStackRecord(root, { pid: process.pid, port: 9, startedAt: new Date().toISOString() });
    expect((await runCli(['upload', wav, '--wait'])).code).toBe(3);
    fs.rmSync(stackRecordPath(root));
  });

  it('with a stack that never reports: progress on stderr, then exit 4 timeout', async () => {
    // A stand-in stack: this process, answering GET / (it never analyses anything).
    const server = http.createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      writeStackRecord(root, { pid: process.pid, port: (server.address() as AddressInfo).port, startedAt: new Date().toISOString() });
      const r = await runCli(['upload', wav, '--wait', '--timeout-sec', '1']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/waiting for the report of take\.wav/);
      expect(r.stderr).toMatch(/error \[timeout\]: gave up waiting for the report of take\.wav after 1 s; .*--timeout-sec/);
      // It did upload (the stack will still analyse it).
      expect(fs.readdirSync(path.join(root, 'uploads')).filter((f) => !f.startsWith('.'))).toEqual(['take.wav']);
    } finally {
      fs.rmSync(stackRecordPath(root), { force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
