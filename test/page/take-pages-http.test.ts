/**
 * The take pages on the real local stack (startLocalStack on a temp folder, port 0): classify keeps `GET /` and
 * `POST /`; the pages read only inside their buckets (path traversal, symlinks, asset names); labels are saved
 * beside the report; uploads respect BUZZFINDER_MAX_UPLOAD_BYTES; errors carry stable codes.
 */
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../adapters/config';
import { LocalFolderStore } from '../../adapters/storage/local';
import { LocalStack, startLocalStack } from '../../functions/local-stack';
import { encodeWav16 } from '../../shared/audio/encode';
import { SAMPLE_RATE } from '../../shared/constants';
import { parseLabelsCsv } from '../../shared/dataset/import';
import { validateCorrections } from '../../shared/report/corrections';
import { handMadeReport, storeTake } from './fixtures';
import { captureLogs } from '../functions/helpers';

const SECRET = 'TOP-SECRET-7f3a';
const MAX_UPLOAD = 300_000;
let root: string;
let stack: LocalStack;
let takeId: string;
let generation: string;

function tone(seconds: number): Uint8Array {
  const s = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  for (let i = 0; i < s.length; i++) s[i] = 0.4 * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE) * Math.exp(-i / SAMPLE_RATE);
  return encodeWav16(s, SAMPLE_RATE);
}

function call(method: string, rawPath: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: stack.port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown> & { error?: { code: string } };

// The stack's JSON log lines go to a sink, not stdout: quiet passing runs, and a stdout that only carries what a
// test captures from the CLI.
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  logs = captureLogs();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'buzzfinder-pages-'));
  await fs.writeFile(path.join(root, 'secret.json'), SECRET);
  const uploads = new LocalFolderStore(path.join(root, 'uploads'));
  const reports = new LocalFolderStore(path.join(root, 'reports'));
  const report = handMadeReport('take one.wav', 5, [
    { onsetSec: 0.5, label: 'clean', confidence: 0.9, midi: 45 },
    { onsetSec: 1.5, label: 'buzzy', confidence: 0.55, midi: 50 },
    { onsetSec: 3, label: 'muted', confidence: 0.8, midi: null },
  ]);
  ({ id: takeId, generation } = await storeTake(uploads, reports, 'take one.wav', tone(5), report));
  // A symlink to a file outside the buckets, with a summary that points at it.
  await fs.symlink(path.join(root, 'secret.json'), path.join(root, 'uploads', 'evil.wav'));
  await reports.write('summaries/evil.wav.1.json', JSON.stringify({ name: 'evil.wav', generation: '1', report: 'reports/evil.wav.1.json' }));
  const config = loadConfig({ BUZZFINDER_LOCAL_ROOT: root, BUZZFINDER_LOCAL_POLL_MS: '100', BUZZFINDER_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) });
  stack = await startLocalStack(config, { port: 0 });
});

afterAll(async () => {
  await stack?.stop();
  await fs.rm(root, { recursive: true, force: true });
  logs.restore();
});

describe('classify is unchanged', () => {
  it('GET / is the health check', async () => {
    const r = await call('GET', '/');
    expect(r.status).toBe(200);
    expect(json(r.text)).toMatchObject({ status: 'ok', maxUploadBytes: MAX_UPLOAD });
  });

  it('POST / classifies a WAV', async () => {
    const r = await call('POST', '/', tone(2), { 'Content-Type': 'audio/wav' });
    expect(r.status).toBe(200);
    const results = json(r.text).results as { label: string; probabilities: Record<string, number> }[];
    expect(results).toHaveLength(1);
    expect(['buzzy', 'clean', 'muted']).toContain(results[0].label);
  });
});

describe('pages', () => {
  it('lists the take with a link to its view, and redirects /takes', async () => {
    expect((await call('GET', '/takes')).headers.location).toBe('/takes/');
    const r = await call('GET', '/takes/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.text).toContain(`<a href="/takes/view/${encodeURIComponent(takeId)}">take one.wav</a>`);
  });

  it('serves the view with one option per note, and the take audio', async () => {
    const view = await call('GET', `/takes/view/${encodeURIComponent(takeId)}`);
    expect(view.status).toBe(200);
    expect(view.text.match(/role="option"/g)).toHaveLength(3);
    const audio = await call('GET', `/takes/audio/${encodeURIComponent(takeId)}`);
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(Number(audio.headers['content-length'])).toBe(tone(5).length);
  });

  it('serves the wavesurfer build from node_modules and the page script', async () => {
    const ws = await call('GET', '/takes/assets/wavesurfer.min.js');
    expect(ws.status).toBe(200);
    expect(ws.text).toBe(await fs.readFile(path.join(path.dirname(require.resolve('wavesurfer.js')), 'wavesurfer.min.js'), 'utf8'));
    expect((await call('GET', '/takes/assets/take-page.js')).text).toContain('window.takePage');
  });

  it.each([
    '/takes/view/..%2F..%2Fsecret.json.1',
    '/takes/view/..%2Fsecret',
    '/takes/view/%2E%2E%2F%2E%2E%2Fsecret.json.1',
    '/takes/audio/..%2F..%2Fsecret.json.1',
    '/takes/audio/..%2Fsecret.json.1',
    '/takes/audio/evil.wav.1',
    '/takes/view/evil.wav.1',
    '/takes/audio/%2Fetc%2Fpasswd.1',
    '/takes/assets/..%2F..%2Fpackage.json',
    '/takes/assets/%2E%2E%2Fpackage.json',
    '/takes/assets/take-page.js%00.json',
    '/takes/assets/constructor',
    '/takes/assets/__proto__',
    '/takes/api/takes/..%2F..%2Fsecret.json.1/labels.csv',
    '/takes/api/takes/..%2F..%2Fsecret.json.1',
    '/takes/view/%E0%A4%A',
  ])('refuses %s without reading outside its folders', async (p) => {
    const r = await call('GET', p);
    expect([400, 404]).toContain(r.status);
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain('"dependencies"');
    expect(json(r.text).error?.code).toMatch(/^(take_not_found|not_found|invalid_key|bad_path)$/);
  });
});

describe('labels', () => {
  const labelsPath = () => `/takes/api/takes/${encodeURIComponent(takeId)}/labels`;

  it('saves a label beside the report, never in it', async () => {
    const reportFile = path.join(root, 'reports', 'reports', `take one.wav.${generation}.json`);
    const before = await fs.readFile(reportFile, 'utf8');
    const r = await call('POST', labelsPath(), JSON.stringify({ index: 1, label: 'muted' }), { 'Content-Type': 'application/json' });
    expect(r.status).toBe(200);
    const onDisk = validateCorrections(JSON.parse(await fs.readFile(path.join(root, 'reports', 'corrections', `take one.wav.${generation}.json`), 'utf8')));
    expect(onDisk.labels).toEqual([{ index: 1, onsetSec: 1.5, label: 'muted', was: 'buzzy', midi: 50 }]);
    expect(await fs.readFile(reportFile, 'utf8')).toBe(before);
    const csv = await call('GET', `${labelsPath()}.csv`);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="take-one.labels.csv"');
    expect(parseLabelsCsv(csv.text)).toEqual([{ onsetSec: 1.5, label: 'muted', midi: 50 }]);
  });

  it.each([
    ['an unknown label', JSON.stringify({ index: 0, label: 'squeak' }), 400, 'invalid_corrections'],
    ['a missing note', JSON.stringify({ index: 7, label: 'clean' }), 400, 'invalid_corrections'],
    ['a non-JSON body', 'index=0', 400, 'bad_json'],
  ])('refuses %s', async (_what, body, status, code) => {
    const r = await call('POST', labelsPath(), body, { 'Content-Type': 'application/json' });
    expect(r.status).toBe(status);
    expect(json(r.text).error?.code).toBe(code);
  });

  it('refuses changes another site could send: a simple content type, a foreign Origin, a foreign Host', async () => {
    const file = path.join(root, 'reports', 'corrections', `take one.wav.${generation}.json`);
    const before = validateCorrections(JSON.parse(await fs.readFile(file, 'utf8'))).labels.map((l) => [l.index, l.label]);
    const body = JSON.stringify({ index: 0, label: 'buzzy' });
    const asForm = await call('POST', labelsPath(), body, { 'Content-Type': 'text/plain' });
    expect([asForm.status, json(asForm.text).error?.code]).toEqual([415, 'unsupported_media_type']);
    const foreign = await call('POST', labelsPath(), body, { 'Content-Type': 'application/json', Origin: 'http://evil.example' });
    expect([foreign.status, json(foreign.text).error?.code]).toEqual([403, 'cross_origin']);
    const fromFile = await call('POST', labelsPath(), body, { 'Content-Type': 'application/json', Origin: 'null' });
    expect(fromFile.status).toBe(403);
    const rebound = await call('GET', '/takes/', undefined, { Host: 'evil.example:8080' });
    expect([rebound.status, json(rebound.text).error?.code]).toEqual([403, 'forbidden_host']);
    const upload = await call('POST', '/takes/api/upload?name=x.wav', tone(0.5), { 'Content-Type': 'text/plain' });
    expect(upload.status).toBe(415);
    expect(validateCorrections(JSON.parse(await fs.readFile(file, 'utf8'))).labels.map((l) => [l.index, l.label])).toEqual(before);
    // The page itself (same origin) may.
    const same = await call('POST', labelsPath(), JSON.stringify({ index: 1, label: 'clean' }), { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${stack.port}` });
    expect(same.status).toBe(200);
    expect(validateCorrections(JSON.parse(await fs.readFile(file, 'utf8'))).labels.map((l) => [l.index, l.label])).toEqual([[1, 'clean']]);
  });

  it('needs two labels before training, and GET is not allowed on the label endpoint', async () => {
    const train = await call('POST', `/takes/api/takes/${encodeURIComponent(takeId)}/train`, '{}', { 'Content-Type': 'application/json' });

    expect(train.status).toBe(409);
    expect(json(train.text).error?.code).toBe('too_few_labels');
    expect(await fs.readdir(stack.queueDir).catch(() => [])).toEqual([]);
    expect((await call('GET', labelsPath())).status).toBe(405);
  });
});

describe('uploads', () => {
  const uploadDir = () => path.join(root, 'uploads');
  const files = async () => (await fs.readdir(uploadDir())).filter((f) => !f.startsWith('.')).sort();

  it('refuses a body over BUZZFINDER_MAX_UPLOAD_BYTES with 413 and stores nothing', async () => {
    const big = new Uint8Array(MAX_UPLOAD + 1);
    big.set(tone(0.1).subarray(0, 44));
    const r = await call('POST', '/takes/api/upload?name=big.wav', big, { 'Content-Type': 'audio/wav' });
    expect(r.status).toBe(413);
    expect(json(r.text).error?.code).toBe('too_large');
    expect(await files()).toEqual(['evil.wav', 'take one.wav']);
  });

  it('refuses a body that is not a WAV, and a name that is not .wav', async () => {
    const notWav = await call('POST', '/takes/api/upload?name=x.wav', 'just text', { 'Content-Type': 'audio/wav' });
    expect([notWav.status, json(notWav.text).error?.code]).toEqual([400, 'not_wav']);
    const badName = await call('POST', '/takes/api/upload?name=x.exe', tone(0.5), { 'Content-Type': 'audio/wav' });
    expect([badName.status, json(badName.text).error?.code]).toEqual([400, 'bad_name']);
    expect(await files()).toEqual(['evil.wav', 'take one.wav']);
  });

  it('stores a WAV under its base name only (no climbing out of the uploads folder)', async () => {
    const r = await call('POST', `/takes/api/upload?name=${encodeURIComponent('../../escape.wav')}`, tone(0.5), { 'Content-Type': 'audio/wav' });
    expect(r.status).toBe(201);
    const body = json(r.text) as { name: string; id: string; status: string };
    expect(body.name).toBe('escape.wav');
    expect(await files()).toEqual(['escape.wav', 'evil.wav', 'take one.wav']);
    await expect(fs.stat(path.join(root, 'escape.wav'))).rejects.toThrow();
    const status = await call('GET', body.status);
    expect(['processing', 'ready']).toContain(json(status.text).state);
  });
});
