/**
 * split-take through the functions framework's test server, with binary-mode storage CloudEvents exactly
 * as Eventarc sends them, on real LocalFolderStore buckets and a real (tiny) model.
 */
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { LocalFolderStore } from '../../adapters/storage/local';
import { binaryModeRequest, storageFinalizedEvent, StorageObjectEvent } from '../../functions/events';
import { ModelCache } from '../../functions/model-cache';
import { createSplitTakeHandler, reportKeyFor, SplitTakeOutcome, summaryKeyFor } from '../../functions/split-take';
import { encodeWav16 } from '../../shared/audio/encode';
import { SAMPLE_RATE } from '../../shared/constants';
import { validateTakeReport } from '../../shared/report/schema';
import { MemoryStore } from '../../shared/storage/memory';
import { ObjectStore, readJson } from '../../shared/storage/types';
import { captureLogs, pluck, saveTinyModel } from './helpers';

const ONSETS = [0.5, 1.3, 2.2, 3.0];
let root: string;
let uploads: LocalFolderStore;
let reports: LocalFolderStore;
let logs: ReturnType<typeof captureLogs>;
let outcomes: SplitTakeOutcome[] = [];
/** Fault injection for the transient-error test: the next N range reads fail like a network error. */
let failReads = 0;

function take(): Uint8Array {
  const samples = new Float32Array(Math.round(4.2 * SAMPLE_RATE));
  ONSETS.forEach((onset, i) => {
    // Each note rings until just before the next one, fading out over 60 ms (no click to detect).
    const until = i + 1 < ONSETS.length ? ONSETS[i + 1] - 0.01 : 4.2;
    const note = pluck(until - onset, SAMPLE_RATE, [196, 247, 294, 330][i]);
    const fade = Math.round(0.06 * SAMPLE_RATE);
    for (let k = 0; k < fade; k++) note[note.length - 1 - k] *= k / fade;
    samples.set(note, Math.round(onset * SAMPLE_RATE));
  });
  return encodeWav16(samples, SAMPLE_RATE);
}

beforeAll(async () => {
  logs = captureLogs();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bf-split-take-'));
  uploads = new LocalFolderStore(path.join(root, 'uploads'));
  reports = new LocalFolderStore(path.join(root, 'reports'));
  const modelStore = new MemoryStore();
  await saveTinyModel(modelStore, 'm', { version: 'split-test-1' });
  const models = new ModelCache({ resolveLatest: async () => null, fallback: { store: modelStore, prefix: 'm' }, refreshSec: 600 });
  const flakyUploads: ObjectStore = Object.create(uploads, {
    readRange: {
      value: async (key: string, offset: number, length: number) => {
        if (failReads > 0) {
          failReads--;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return uploads.readRange(key, offset, length);
      },
    },
  });
  const handler = createSplitTakeHandler({
    uploads: flakyUploads,
    reports,
    uploadsBucket: 'bf-uploads',
    reportsBucket: 'bf-reports',
    uploadsPrefix: 'takes/',
    models,
    maxEventAgeSec: 3600,
    maxUploadBytes: 50_000_000,
  });
  functions.cloudEvent('splitTakeTest', async (event: StorageObjectEvent) => {
    outcomes.push(await handler(event));
  });
}, 60_000);
afterAll(async () => {
  logs.restore();
  await fs.rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  outcomes = [];
});

async function upload(name: string, bytes: Uint8Array | string, contentType = 'audio/wav') {
  const info = await uploads.write(name, bytes, { contentType });
  return storageFinalizedEvent({ bucket: 'bf-uploads', name, generation: info.generation, size: info.size, contentType, updated: info.updated });
}

async function deliver(event: StorageObjectEvent) {
  const { headers, body } = binaryModeRequest(event);
  const req = request(getTestServer('splitTakeTest')).post('/');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.send(body);
}

test('the event is shaped as Eventarc sends it', async () => {
  const event = await upload('takes/shape.wav', take());
  const { headers, body } = binaryModeRequest(event);
  expect(headers).toMatchObject({
    'ce-type': 'google.cloud.storage.object.v1.finalized',
    'ce-source': '//storage.googleapis.com/projects/_/buckets/bf-uploads',
    'ce-subject': 'objects/takes/shape.wav',
    'ce-specversion': '1.0',
    'content-type': 'application/json',
  });
  expect(JSON.parse(body)).toMatchObject({ bucket: 'bf-uploads', name: 'takes/shape.wav', generation: event.data!.generation, contentType: 'audio/wav' });
});

test('a WAV take gets a valid report with its notes at the right times, and a summary', async () => {
  const event = await upload('takes/day1/riff.wav', take());
  const res = await deliver(event);
  expect(res.status).toBeLessThan(300);
  expect(outcomes).toEqual(['written']);
  const key = reportKeyFor('takes/day1/riff.wav', event.data!.generation);
  expect(key).toBe(`reports/takes/day1/riff.wav.${event.data!.generation}.json`);
  const report = validateTakeReport(await readJson(reports, key));
  expect(report.model).toEqual({ name: 'buzzfinder', version: 'split-test-1' });
  expect(report.durationSec).toBeCloseTo(4.2, 2);
  expect(report.notes).toHaveLength(ONSETS.length);
  report.notes.forEach((n, i) => expect(Math.abs(n.onsetSec - ONSETS[i])).toBeLessThan(0.05));
  const summary = await readJson<Record<string, unknown>>(reports, summaryKeyFor('takes/day1/riff.wav', event.data!.generation));
  expect(summary).toMatchObject({ format: 'buzzfinder-take-summary', report: key, generation: event.data!.generation, summary: { notes: ONSETS.length } });
});

test('redelivery and concurrent duplicate deliveries produce one report', async () => {
  const event = await upload('takes/dup.wav', take());
  const key = reportKeyFor('takes/dup.wav', event.data!.generation);
  const [a, b] = await Promise.all([deliver(event), deliver(event)]);
  expect(a.status).toBeLessThan(300);
  expect(b.status).toBeLessThan(300);
  const generation = (await reports.stat(key))!.generation;
  await deliver(event);
  expect((await reports.stat(key))!.generation).toBe(generation);
  expect(outcomes[2]).toBe('already-done');
  expect((await reports.list('reports/takes/dup.wav')).map((i) => i.key)).toEqual([key]);
});

test('a corrupt WAV and a non-WAV get an error report and are acknowledged (no retry)', async () => {
  const corrupt = take().slice(0, 30); // cut inside the header
  for (const [name, bytes, code] of [
    ['takes/corrupt.wav', corrupt, 'truncated'],
    ['takes/notes.txt', 'these are not audio bytes at all', 'not_wav'],
  ] as const) {
    const event = await upload(name, bytes, name.endsWith('.txt') ? 'text/plain' : 'audio/wav');
    const res = await deliver(event);
    expect(res.status).toBeLessThan(300);
    const report = await readJson<{ error: { code: string; message: string } }>(reports, reportKeyFor(name, event.data!.generation));
    expect(report.error.code).toBe(code);
    expect(report.error.message.length).toBeGreaterThan(0);
    const summary = await readJson<{ error: { code: string } }>(reports, summaryKeyFor(name, event.data!.generation));
    expect(summary.error.code).toBe(code);
  }
  expect(outcomes).toEqual(['error-report', 'error-report']);
  expect(logs.lines().some((l) => l.severity === 'ERROR' && String(l.message).includes('error report written'))).toBe(true);
});

test('a transient storage error fails the delivery (the platform retries) and the retry succeeds', async () => {
  const event = await upload('takes/flaky.wav', take());
  failReads = 1;
  const res = await deliver(event);
  expect(res.status).toBe(500);
  expect(logs.crashes().some((c) => c.includes('socket hang up'))).toBe(true);
  expect(await reports.exists(reportKeyFor('takes/flaky.wav', event.data!.generation))).toBe(false);
  const retry = await deliver(event);
  expect(retry.status).toBeLessThan(300);
  expect(await reports.exists(reportKeyFor('takes/flaky.wav', event.data!.generation))).toBe(true);
});

test('stale events are dropped; other buckets, prefixes and its own outputs are ignored', async () => {
  const event = await upload('takes/old.wav', take());
  const old = { ...event, time: new Date(Date.now() - 2 * 3600 * 1000).toISOString() };
  await deliver(old);
  expect(outcomes).toEqual(['stale']);
  expect(logs.lines().some((l) => l.message === 'split-take: dropping stale event')).toBe(true);
  const others = [
    { ...event, data: { ...event.data!, bucket: 'someone-else' } },
    await upload('elsewhere/x.wav', take()),
    await upload('reports/takes/x.wav.1.json', '{}', 'application/json'),
  ];
  for (const e of others) await deliver(e);
  expect(outcomes).toEqual(['stale', 'ignored', 'ignored', 'ignored']);
  expect(await reports.list('reports/elsewhere')).toEqual([]);
});

test('an event for an overwritten generation is superseded; a malformed event is acknowledged', async () => {
  const first = await upload('takes/over.wav', take());
  await upload('takes/over.wav', take());
  await deliver(first);
  const res = await deliver({ ...first, data: { name: 'x' } as never });
  expect(res.status).toBeLessThan(300);
  expect(outcomes).toEqual(['superseded', 'malformed']);
  expect(await reports.exists(reportKeyFor('takes/over.wav', first.data!.generation))).toBe(false);
});
