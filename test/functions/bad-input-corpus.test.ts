/**
 * The bad-input corpus (test/helpers/bad-inputs.ts, generated, seeded): every input sent to the classify function
 * on the functions framework's own server (guarded, 127.0.0.1) and every file given to `buzzfinder classify`.
 * Each must get its documented code, never a 5xx, never hang (per-request timeout), and the server must keep
 * serving: a good request at the end is answered normally.
 */
import * as functions from '@google-cloud/functions-framework';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClassifyHandler } from '../../functions/classify';
import { ModelCache } from '../../functions/model-cache';
import { guardedFrameworkServer } from '../../functions/request-body';
import { LocalFolderStore } from '../../adapters/storage/local';
import { CORPUS_MAX_UPLOAD_BYTES, Expected, httpOnlyCorpus, HttpCase, junkBody, wavCorpus } from '../helpers/bad-inputs';
import { captureLogs } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const REQUEST_TIMEOUT_MS = 30_000;

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; reason?: string; levelDb?: number } };
  contentType: string;
}

let server: http.Server;
let port: number;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  logs = captureLogs();
  const models = new ModelCache({ resolveLatest: async () => null, fallback: { store: new LocalFolderStore(path.join(ROOT, 'models', 'default')), prefix: '' }, refreshSec: 60 });
  functions.http('classifyCorpus', createClassifyHandler({ models, maxUploadBytes: CORPUS_MAX_UPLOAD_BYTES }));
  server = guardedFrameworkServer('classifyCorpus');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  logs.restore();
});

function parseJson(text: string): Answer['body'] {
  try {
    return JSON.parse(text);
  } catch {
    return { unparsed: text.slice(0, 200) };
  }
}

/** One request with a hard timeout: a hang fails the test instead of stalling it. */
function send(c: Pick<HttpCase, 'method' | 'headers' | 'body'>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(c.headers ?? {}) };
    if (c.body) headers['content-length'] = c.body.length;
    const req = http.request({ host: '127.0.0.1', port, method: c.method ?? 'POST', path: '/', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString('utf8')), contentType: String(res.headers['content-type'] ?? '') }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(c.body);
  });
}

/** Raw bytes on a socket; the first HTTP response on it is parsed (malformed framing the client library won't send). */
function sendRaw(raw: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    const tryParse = () => {
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = data.subarray(0, headEnd).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      const chunked = /\r\ntransfer-encoding: *chunked/i.test(head);
      let body: string | null = null;
      if (Number.isFinite(length) && data.length >= headEnd + 4 + length) body = data.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
      else if (chunked && data.includes('\r\n0\r\n\r\n')) {
        const rest = data.subarray(headEnd + 4).toString('utf8');
        body = rest.split('\r\n').filter((_, i) => i % 2 === 1).join('');
      }
      if (body === null) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, body: parseJson(body), contentType: /\r\ncontent-type: *([^\r]+)/i.exec(head)?.[1] ?? '' });
    };
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      tryParse();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(raw);
  });
}

function expectAnswer(name: string, answer: Answer, expected: Expected | { status: number; code: string }): void {
  const got = { name, status: answer.status, code: answer.body.error?.code };
  expect({ name, serverError: answer.status >= 500 }).toEqual({ name, serverError: false });
  expect(answer.contentType).toMatch(/^application\/json/);
  if (expected === 'note') {
    // 200 with a label, or the documented answer when the model is unsure of the clip.
    if (answer.status === 422) expect({ ...got, reason: answer.body.error?.reason }).toEqual({ ...got, code: 'no_note', reason: 'low_confidence' });
    else expect(got).toEqual({ name, status: 200, code: undefined });
    return;
  }
  if (expected.status === 200) {
    expect(got).toEqual({ name, status: 200, code: undefined });
    return;
  }
  expect(got).toEqual({ name, status: expected.status, code: expected.code });
  expect(typeof (answer.body.error as { message?: unknown }).message).toBe('string');
}

describe('bad-input corpus over HTTP', () => {
  const wavs = wavCorpus();
  const others = httpOnlyCorpus();

  test('it has at least 50 inputs', () => {
    expect(wavs.length + others.length).toBeGreaterThanOrEqual(50);
  });

  test('every WAV-body input gets its documented status and code', async () => {
    for (const c of wavs) {
      const answer = await send({ headers: { 'content-type': 'audio/wav', 'x-file-name': `${c.name}.wav` }, body: c.bytes });
      expectAnswer(c.name, answer, c.expected);
      if (c.name.startsWith('header claims 4 GB')) expect(answer.body.error).toMatchObject({ reason: 'silence', levelDb: -120 });
      if (c.name === 'mains hum') expect(answer.body.error).toMatchObject({ reason: 'noise', levelDb: expect.any(Number) });
    }
  }, 300_000);

  test('every multipart / JSON / method / content-type / framing input gets its documented status and code', async () => {
    for (const c of others) {
      const answer = c.raw ? await sendRaw(c.raw) : await send(c);
      expectAnswer(c.name, answer, c.expected);
      if (c.name.startsWith('multipart: silence and a note')) {
        const results = answer.body.results as { file: string; label: string; error?: { code: string; reason: string; levelDb: number } }[];
        expect(results.map((r) => r.file)).toEqual(['silence.wav', 'note.wav']);
        expect(results[0].error).toMatchObject({ code: 'no_note', reason: 'silence', levelDb: -120 });
        expect(['buzzy', 'clean', 'muted']).toContain(results[0].label);
      }
    }
  }, 300_000);

  test('20 MiB of junk as audio/wav is refused on its first bytes; the server keeps serving', async () => {
    const started = Date.now();
    const answer = await send({ headers: { 'content-type': 'audio/wav' }, body: junkBody(20 * 1024 * 1024) });
    expectAnswer('junk', answer, { status: 413, code: 'too_large' });
    const chunked = await new Promise<Answer>((resolve, reject) => {
      // Without a Content-Length the cap cannot refuse it up front: the RIFF check on the first bytes does.
      let answered = false;
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'audio/wav' }, agent: false }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString()), contentType: String(res.headers['content-type']) });
          req.destroy();
        });
      });
      req.on('error', (err) => (answered ? undefined : reject(err)));
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
      const junk = junkBody(1024 * 1024, 2);
      let sent = 0;
      const pump = () => {
        // Keep sending (up to 64 MiB) until the answer arrives: the server must answer before the body ends.
        while (!answered && sent < 64 && req.write(junk)) sent++;
        if (answered) return;
        if (sent < 64) req.once('drain', pump);
        else req.end();
      };
      pump();
    });
    expectAnswer('chunked junk', chunked, { status: 400, code: 'not_wav' });
    expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS);
  }, 120_000);

  afterAll(async () => {
    // The server still answers a good request normally after the whole corpus.
    const health = await send({ method: 'GET' });
    expect(health.status).toBe(200);
    const good = wavs.find((c) => c.name === 'a note (baseline)')!;
    const answer = await send({ headers: { 'content-type': 'audio/wav' }, body: good.bytes });
    expectAnswer('final good request', answer, 'note');
  }, 60_000);
});

describe('bad-input corpus through `buzzfinder classify`', () => {
  test('every WAV input gets its documented code per file; one run, every file answered', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-corpus-'));
    try {
      const cases = wavCorpus();
      const files = cases.map((c, i) => {
        const file = path.join(dir, `${String(i).padStart(2, '0')}.wav`);
        fs.writeFileSync(file, c.bytes);
        return file;
      });
      const run = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'buzzfinder.js'), 'classify', ...files, '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, BUZZFINDER_MAX_UPLOAD_BYTES: String(CORPUS_MAX_UPLOAD_BYTES) },
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(run.error).toBeUndefined();
      expect(run.status).toBe(1); // some files have errors
      const results = JSON.parse(run.stdout) as { file: string; label?: string; error?: { code: string; reason?: string } }[];
      expect(results.map((r) => r.file)).toEqual(files);
      cases.forEach((c, i) => {
        const r = results[i];
        const got = { name: c.name, code: r.error?.code };
        if (c.expected === 'note') {
          if (r.error) expect({ ...got, reason: r.error.reason }).toEqual({ ...got, code: 'no_note', reason: 'low_confidence' });
          expect(['buzzy', 'clean', 'muted']).toContain(r.label);
        } else expect(got).toEqual({ name: c.name, code: c.expected.code });
        if (r.error) expect(run.stderr).toContain(`error [${r.error.code}]: `);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
