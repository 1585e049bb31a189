/**
 * classify through the functions framework's own test server (getTestServer + supertest), with a real tiny
 * seed-CNN artifact: every answer is checked against the classifier run directly on the same input.
 */
import * as functions from '@google-cloud/functions-framework';
import request from 'supertest';
import { createClassifyHandler } from '../../functions/classify';
import { ModelCache } from '../../functions/model-cache';
import { guardedFrameworkServer } from '../../functions/request-body';
import { encodeWav16 } from '../../shared/audio/encode';
import { loadAudio } from '../../shared/audio/load';
import { CLIP_SAMPLES, FEATURE_COEFFS, FEATURE_FRAMES } from '../../shared/constants';
import { comprehensiveMfcc } from '../../shared/features/comprehensive';
import { standardizePerClip } from '../../shared/features/pipeline';
import { loadClassifier, TfClipClassifier } from '../../shared/model/classifier';
import { MemoryStore } from '../../shared/storage/memory';
import { captureLogs, pluck, saveTinyModel } from './helpers';

const store = new MemoryStore();
let reference: TfClipClassifier;
let logs: ReturnType<typeof captureLogs>;
const CAP = 400_000;

beforeAll(async () => {
  logs = captureLogs();
  await saveTinyModel(store, 'default', { version: 'default-1', seed: 3 });
  await saveTinyModel(store, 'std', { version: 'std-1', seed: 4, normalization: 'per-clip-standardize' });
  await saveTinyModel(store, 'logmel', { version: 'lm-1', seed: 5, normalization: 'log-mel' });
  reference = await loadClassifier(store, 'default');
  const fixed = (prefix: string) => new ModelCache({ resolveLatest: async () => null, fallback: { store, prefix }, refreshSec: 60 });
  functions.http('classifyTest', createClassifyHandler({ models: fixed('default'), maxUploadBytes: CAP }));
  functions.http('classifyStd', createClassifyHandler({ models: fixed('std'), maxUploadBytes: CAP }));
  functions.http('classifyLogMel', createClassifyHandler({ models: fixed('logmel'), maxUploadBytes: CAP }));
  functions.http('classifyNoModel', createClassifyHandler({ models: new ModelCache({ resolveLatest: async () => null, fallback: null, refreshSec: 60 }), maxUploadBytes: CAP }));
}, 60_000);
afterAll(() => {
  logs.restore();
  reference.dispose();
});

const server = (name = 'classifyTest') => guardedFrameworkServer(name);
const wav = (seconds: number, rate = 22050, hz = 196) => Buffer.from(encodeWav16(pluck(seconds, rate, hz), rate));

async function expected(bytes: Buffer) {
  const audio = loadAudio(new Uint8Array(bytes));
  const [p] = await reference.classifyClips([audio.samples.subarray(0, CLIP_SAMPLES)]);
  return p;
}

describe('classify: WAV bodies', () => {
  test('a 2 s WAV gets label, confidence and the three probabilities of the model', async () => {
    const body = wav(2);
    const res = await request(server()).post('/').set('Content-Type', 'audio/wav').send(body);
    expect(res.status).toBe(200);
    expect(res.body.model).toEqual({ name: 'buzzfinder', version: 'default-1' });
    expect(res.body.results).toHaveLength(1);
    const [r] = res.body.results;
    const p = await expected(body);
    for (const c of ['buzzy', 'clean', 'muted'] as const) expect(r.probabilities[c]).toBeCloseTo(p[c], 6);
    const best = (Object.keys(p) as (keyof typeof p)[]).reduce((a, b) => (p[b] > p[a] ? b : a));
    expect(r.label).toBe(best);
    expect(r.confidence).toBeCloseTo(p[best], 6);
    expect(r.truncated).toBe(false);
    expect(r.durationSec).toBeCloseTo(2, 6);
  });

  test('a longer upload uses its first 2 s and says so; a 44.1 kHz x-wav is resampled', async () => {
    const body = wav(3.5, 44100, 330);
    const res = await request(server()).post('/').set('Content-Type', 'audio/x-wav').send(body);
    expect(res.status).toBe(200);
    const [r] = res.body.results;
    expect(r.truncated).toBe(true);
    expect(r.durationSec).toBeCloseTo(3.5, 6);
    const p = await expected(body);
    expect(r.probabilities.clean).toBeCloseTo(p.clean, 6);
  });

  test('multipart with several files classifies each, in order, by file name', async () => {
    const a = wav(2, 22050, 196);
    const b = wav(1, 16000, 523);
    const res = await request(server()).post('/').attach('clip', a, 'a.wav').attach('clip', b, 'b.wav');
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { file: string }) => r.file)).toEqual(['a.wav', 'b.wav']);
    expect(res.body.results[1].padded).toBe(true);
    const pb = await expected(b);
    expect(res.body.results[1].probabilities.muted).toBeCloseTo(pb.muted, 6);
  });

  test('malformed audio is a 400 with the decoder code', async () => {
    const res = await request(server()).post('/').set('Content-Type', 'audio/wav').send(Buffer.from('definitely not a wav file'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('not_wav');
    expect(res.body.error.message).toMatch(/upload\.wav/);
    const truncated = wav(1).subarray(0, 30);
    const res2 = await request(server()).post('/').attach('f', truncated, 'short.wav');
    expect(res2.status).toBe(400);
    expect(typeof res2.body.error.code).toBe('string');
    expect(res2.body.error.message).toMatch(/short\.wav/);
  });

  test('multipart without files is a 400; garbage multipart is a 400', async () => {
    const res = await request(server()).post('/').field('note', 'no file here');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('no_files');
    const res2 = await request(server()).post('/').set('Content-Type', 'multipart/form-data').send(Buffer.from('junk'));
    expect(res2.status).toBe(400);
    expect(res2.body.error.code).toBe('bad_multipart');
  });

  test('over the size cap is a 413; wrong content type a 415; wrong method a 405', async () => {
    const big = wav(10); // ~441 kB > CAP
    const res = await request(server()).post('/').set('Content-Type', 'audio/wav').send(big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_large');
    const res2 = await request(server()).post('/').set('Content-Type', 'text/plain').send('hello');
    expect(res2.status).toBe(415);
    expect(res2.body.error.code).toBe('unsupported_media_type');
    const res3 = await request(server()).put('/').set('Content-Type', 'audio/wav').send(wav(1));
    expect(res3.status).toBe(405);
    expect(res3.headers.allow).toBe('GET, POST');
    expect(res3.body.error.code).toBe('method_not_allowed');
  });
});

describe('classify: the original API (MFCC JSON)', () => {
  const features = () => comprehensiveMfcc(loadAudio(new Uint8Array(wav(2))).samples).values;
  const nest4 = (v: Float32Array) => [Array.from({ length: FEATURE_FRAMES }, (_, t) => Array.from({ length: FEATURE_COEFFS }, (_, c) => [v[t * FEATURE_COEFFS + c]]))];
  const nest2 = (v: Float32Array) => Array.from({ length: FEATURE_FRAMES }, (_, t) => Array.from(v.subarray(t * FEATURE_COEFFS, (t + 1) * FEATURE_COEFFS)));

  test('(1, 87, 39, 1) and (87, 39) give the list [buzzy, clean, muted] of the model on those features', async () => {
    const v = features();
    const [p] = reference.classifyFeatures(v, 1);
    for (const body of [nest4(v), nest2(v)]) {
      const res = await request(server()).post('/').set('Content-Type', 'application/json').send(JSON.stringify(body));
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(3);
      expect(res.body[0]).toBeCloseTo(p.buzzy, 5);
      expect(res.body[1]).toBeCloseTo(p.clean, 5);
      expect(res.body[2]).toBeCloseTo(p.muted, 5);
    }
  });

  test('a standardising model gets the raw MFCCs standardised first', async () => {
    const v = features();
    const std = await loadClassifier(store, 'std');
    const s = v.slice();
    standardizePerClip(s, { frames: FEATURE_FRAMES, coefficients: FEATURE_COEFFS });
    const [p] = std.classifyFeatures(s, 1);
    std.dispose();
    const res = await request(server('classifyStd')).post('/').set('Content-Type', 'application/json').send(JSON.stringify(nest2(v)));
    expect(res.status).toBe(200);
    expect(res.body[1]).toBeCloseTo(p.clean, 5);
  });

  test('a model on log-mel input classifies WAVs through its own pipeline and answers MFCC JSON with 422 mfcc_not_supported', async () => {
    const logMel = await loadClassifier(store, 'logmel');
    const audio = loadAudio(new Uint8Array(wav(2)));
    const [p] = await logMel.classifyClips([audio.samples.subarray(0, CLIP_SAMPLES)]);
    logMel.dispose();
    // Multipart: an untrained model may be unsure (a per-item no_note), but every item keeps its probabilities.
    const ok = await request(server('classifyLogMel')).post('/').attach('clip', wav(2), 'a.wav');
    expect(ok.status).toBe(200);
    expect(ok.body.results[0].probabilities.clean).toBeCloseTo(p.clean, 5);
    const res = await request(server('classifyLogMel')).post('/').set('Content-Type', 'application/json').send(JSON.stringify(nest2(features())));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('mfcc_not_supported');
    expect(res.body.error.message).toMatch(/buzzfinder@lm-1 takes 'log-mel' features/);
  });

  test('wrong shapes and non-numbers are 400 bad_features', async () => {
    const v = features();
    for (const body of [[1, 2, 3], nest2(v).slice(1), { mfcc: 1 }, nest2(v).map((row, i) => (i === 5 ? row.map(() => 'x') : row))]) {
      const res = await request(server()).post('/').set('Content-Type', 'application/json').send(JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_features');
    }
  });
});

describe('classify: health, no model, logs', () => {
  test('GET reports health and the serving model', async () => {
    const res = await request(server()).get('/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', model: { name: 'buzzfinder', version: 'default-1' }, maxUploadBytes: CAP });
  });

  test('no loadable model is a 503 model_unavailable, for GET and POST', async () => {
    const res = await request(server('classifyNoModel')).get('/');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('model_unavailable');
    const res2 = await request(server('classifyNoModel')).post('/').set('Content-Type', 'audio/wav').send(wav(1));
    expect(res2.status).toBe(503);
  });

  test('each request logs one structured line with severity, status and latency', async () => {
    const before = logs.lines().length;
    await request(server()).post('/').set('Content-Type', 'text/plain').send('x');
    const lines = logs.lines().slice(before).filter((l) => l.message === 'classify');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ severity: 'WARNING', error: 'unsupported_media_type', httpRequest: { requestMethod: 'POST', status: 415 } });
    expect(typeof lines[0].latencyMs).toBe('number');
    expect(String((lines[0].httpRequest as { latency: string }).latency)).toMatch(/^\d+\.\d+s$/);
  });
});

describe('classify: malformed JSON', () => {
  // The body guard keeps the framework's JSON parser away, so the handler parses and answers in our shape.
  test('a body that is not JSON is a 400 bad_json in our JSON shape', async () => {
    const res = await request(server()).post('/').set('Content-Type', 'application/json').send('{"not json');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error.code).toBe('bad_json');
  });
});
