/**
 * The report's classifier in worker threads (adapters/classifier-workers.ts) and buildTakeReport's in-flight
 * queue: the same probabilities as tfjs in this thread, results applied in order however batches finish,
 * model errors with their codes, and the bounded queue.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClassifier } from '../../adapters/classifier-workers';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { ClassProbabilities, ClipClassifier } from '../../shared/classifier';
import { CLASSES, CLIP_SAMPLES } from '../../shared/constants';
import { loadClassifier } from '../../shared/model/classifier';
import { buildTakeReport } from '../../shared/report/build';
import { Rng } from '../../shared/rng';
import { synthesizeTake } from '../../shared/synth/take';
import { FakeClassifier } from './fake-classifier';

const MODEL_DIR = path.resolve(__dirname, '../../models/default');
const take = synthesizeTake({ seconds: 20, seed: 41, condition: 'fast-run' });
const audio = { sampleRate: 22050, durationSec: take.samples.length / 22050, samples: take.samples };

/** The fake classifier, answering each batch after a random delay (so batches finish out of order), counting calls in flight. */
class SlowClassifier implements ClipClassifier {
  readonly identity = { name: 'fake', version: 'test-1' };
  inFlight = 0;
  maxInFlight = 0;
  private readonly inner = new FakeClassifier();
  private readonly rng = new Rng(5);
  async classifyClips(clips: Float32Array[]): Promise<ClassProbabilities[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const result = await this.inner.classifyClips(clips);
    await new Promise((r) => setTimeout(r, this.rng.int(0, 30)));
    this.inFlight--;
    return result;
  }
}

describe('buildTakeReport with batches in flight', () => {
  it('gives the same report as one batch at a time, and keeps at most inFlightBatches calls running', async () => {
    const serial = await buildTakeReport({ source: 't.wav', audio, classifier: new FakeClassifier(), batchSize: 4 });
    const slow = new SlowClassifier();
    const overlapped = await buildTakeReport({ source: 't.wav', audio, classifier: slow, batchSize: 4, inFlightBatches: 3 });
    expect(serial.notes.length).toBeGreaterThan(20);
    expect(overlapped).toEqual(serial);
    expect(slow.maxInFlight).toBeGreaterThan(1);
    expect(slow.maxInFlight).toBeLessThanOrEqual(4); // 3 left running + the one just handed over
  });

  it('rejects a bad inFlightBatches and passes on a failing batch', async () => {
    await expect(buildTakeReport({ source: 't.wav', audio, classifier: new FakeClassifier(), inFlightBatches: 0 })).rejects.toThrow(/inFlightBatches/);
    const failing: ClipClassifier = { identity: { name: 'x', version: '1' }, classifyClips: async () => Promise.reject(new Error('boom')) };
    await expect(buildTakeReport({ source: 't.wav', audio, classifier: failing, batchSize: 4, inFlightBatches: 2 })).rejects.toThrow('boom');
  });
});

describe('WorkerClassifier', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  it('classifies like tfjs in this thread, across two workers', async () => {
    const rng = new Rng(9);
    const clips = Array.from({ length: 10 }, () => Float32Array.from({ length: CLIP_SAMPLES }, () => 0.1 * rng.gaussian()));
    await initTf();
    const local = await loadClassifier(new LocalFolderStore(MODEL_DIR), '');
    const expected = await local.classifyClips(clips);
    local.dispose();
    const pool = new WorkerClassifier(MODEL_DIR, 2);
    try {
      expect(pool.identity).toEqual(local.identity);
      await pool.ready;
      // Two batches at once go to the two workers; copies, because whole-buffer clips are moved to the worker.
      const [a, b] = await Promise.all([pool.classifyClips(clips.slice(0, 6).map((c) => c.slice())), pool.classifyClips(clips.slice(6).map((c) => c.slice()))]);
      const got = [...a, ...b];
      expect(got).toHaveLength(10);
      got.forEach((p, i) => CLASSES.forEach((c) => expect(Math.abs(p[c] - expected[i][c])).toBeLessThan(1e-6)));
      expect(pool.stats).toMatchObject({ batches: 2, clips: 10 });
      // The moved clips come back for reuse, one buffer each; a view of a larger buffer was copied, so stays here.
      const spare = Array.from({ length: 12 }, () => pool.reusableClip()).filter((c) => c !== undefined);
      expect(spare).toHaveLength(10);
      expect(new Set(spare.map((c) => c!.buffer)).size).toBe(10);
      spare.forEach((c) => expect(c!.length).toBe(CLIP_SAMPLES));
      const shared = new Float32Array(2 * CLIP_SAMPLES);
      await pool.classifyClips([shared.subarray(0, CLIP_SAMPLES), shared.subarray(CLIP_SAMPLES)]);
      expect(shared.length).toBe(2 * CLIP_SAMPLES); // not detached
      expect(pool.reusableClip()).toBeUndefined();
    } finally {
      await pool.close();
    }
    await expect(pool.classifyClips([new Float32Array(CLIP_SAMPLES)])).rejects.toThrow(/closed/);
  }, 120_000);

  it('builds the same take report as tfjs in this thread', async () => {
    await initTf();
    const local = await loadClassifier(new LocalFolderStore(MODEL_DIR), '');
    const here = await buildTakeReport({ source: 't.wav', audio, classifier: local, batchSize: 8 });
    local.dispose();
    const pool = new WorkerClassifier(MODEL_DIR, 2);
    try {
      const there = await buildTakeReport({ source: 't.wav', audio, classifier: pool, batchSize: 8, inFlightBatches: 3 });
      expect(here.notes.length).toBeGreaterThan(20);
      expect(here.notes.some((n) => n.pitch !== null)).toBe(true);
      // Probabilities are rounded to 6 digits in both; the same wasm kernels give the same values.
      expect(there).toEqual(here);
      expect(pool.stats.clips).toBe(here.notes.length);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('reports a missing model at once and a broken one through ready and every batch, with their codes', async () => {
    expect(() => new WorkerClassifier(path.join(os.tmpdir(), 'bf-no-such-model'), 1)).toThrow(expect.objectContaining({ code: 'model_not_found' }));
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-broken-model-'));
    roots.push(broken);
    fs.copyFileSync(path.join(MODEL_DIR, 'metadata.json'), path.join(broken, 'metadata.json'));
    fs.writeFileSync(path.join(broken, 'model.json'), '{"not": "a model"}');
    const pool = new WorkerClassifier(broken, 1);
    try {
      await expect(pool.ready).rejects.toMatchObject({ code: 'bad_model' });
      await expect(pool.classifyClips([new Float32Array(CLIP_SAMPLES)])).rejects.toMatchObject({ code: 'bad_model' });
    } finally {
      await pool.close();
    }
  }, 120_000);
});
