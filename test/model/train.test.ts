import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { buildSeedCnn, snapshotWeights } from '../../shared/model/architecture';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../shared/model/checkpoint';
import { learningCurveSvg } from '../../shared/model/history';
import { TrainingProgress, trainSession } from '../../shared/model/train';
import { MemoryStore } from '../../shared/storage/memory';
import { syntheticFeatureSet } from './fixtures';

const train = syntheticFeatureSet(36, 1);
const validation = syntheticFeatureSet(12, 2);
const config = { seed: 5, maxEpochs: 2, batchSize: 8, learningRate: 1e-3, patience: 3, bnMomentum: 0.9 };

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((w, i) => {
    expect(w.length).toBe(b[i].length);
    for (let j = 0; j < w.length; j++) m = Math.max(m, Math.abs(w[j] - b[i][j]));
  });
  return m;
}

/** A clock that advances 10 ms per reading: time budgets become "after so many readings", deterministically. */
function fakeClock(): () => number {
  let t = 0;
  return () => (t += 10);
}

describe('trainSession', () => {
  let straight: Float32Array[];
  let straightHistory: { loss: number; valLoss: number }[];

  beforeAll(async () => {
    await initTf();
    const progress: TrainingProgress[] = [];
    const run = await trainSession({ train, validation, config, onProgress: (p) => progress.push(p), progressEveryBatches: 1 });
    expect(run.done).toBe(true);
    straight = snapshotWeights(run.result!.model);
    straightHistory = run.result!.history;
    run.result!.model.dispose();
    // Progress: every batch but the last of each epoch, plus one per epoch end.
    expect(progress.filter((p) => p.epochDone).map((p) => p.epoch)).toEqual([1, 2]);
    expect(progress.filter((p) => !p.epochDone).length).toBe(2 * 4);
    expect(progress.every((p) => Number.isFinite(p.loss) && p.etaSec >= 0)).toBe(true);
  });

  it('is deterministic for a seed, and the seed matters', async () => {
    const again = await trainSession({ train, validation, config });
    expect(maxAbsDiff(snapshotWeights(again.result!.model), straight)).toBe(0);
    again.result!.model.dispose();
    const [a, b] = [buildSeedCnn({ seed: 5 }), buildSeedCnn({ seed: 6 })];
    expect(maxAbsDiff(snapshotWeights(a), snapshotWeights(b))).toBeGreaterThan(1e-3);
    a.dispose();
    b.dispose();
  });

  it('resumes exactly from a mid-epoch checkpoint stored in an ObjectStore', async () => {
    const store = new MemoryStore();
    const now = fakeClock();
    let sessions = 0;
    let checkpoint = undefined;
    let result;
    for (;;) {
      sessions++;
      const r = await trainSession({ train, validation, config, checkpoint, timeBudgetMs: 25, now });
      await saveCheckpoint(store, 'retrain/ckpt.bin', r.checkpoint);
      checkpoint = (await loadCheckpoint(store, 'retrain/ckpt.bin'))!;
      if (r.done) {
        result = r.result!;
        break;
      }
      expect(r.result).toBeUndefined();
      expect(sessions).toBeLessThan(50);
    }
    expect(sessions).toBeGreaterThan(3); // it really was interrupted, several times, mid-epoch
    expect(maxAbsDiff(snapshotWeights(result.model), straight)).toBeLessThan(1e-5);
    expect(result.history.map((h) => h.valLoss)).toEqual(straightHistory.map((h) => expect.closeTo(h.valLoss, 5)));
    result.model.dispose();
  });

  it('stops early and restores the best epoch', async () => {
    // A learning rate this large diverges after the first epochs, so validation loss stops improving.
    const r = await trainSession({ train, validation, config: { ...config, maxEpochs: 6, patience: 1, learningRate: 0.5 } });
    const res = r.result!;
    const best = res.history.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    expect(res.bestEpoch).toBe(best.epoch);
    expect(res.bestValLoss).toBeCloseTo(best.valLoss, 6);
    if (res.stoppedEarly) expect(res.epochsRun).toBe(best.epoch + 1);
    res.model.dispose();
  });

  it('learns the synthetic task and does not leak tensors', async () => {
    const before = tf.memory().numTensors;
    const r = await trainSession({ train, validation, config: { seed: 5, maxEpochs: 3, batchSize: 8, learningRate: 1e-3, patience: 3 } });
    const best = r.result!.history.find((h) => h.epoch === r.result!.bestEpoch)!;
    expect(best.valAcc).toBeGreaterThan(0.9);
    r.result!.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad configuration and a checkpoint from other data', async () => {
    await expect(trainSession({ train, validation, config: { ...config, batchSize: 0 } })).rejects.toThrow(TypeError);
    await expect(trainSession({ train: { ...train, n: 0 }, validation, config })).rejects.toThrow(/empty/);
    const r = await trainSession({ train, validation, config, timeBudgetMs: 15, now: fakeClock() });
    expect(r.done).toBe(false);
    await expect(trainSession({ train: syntheticFeatureSet(36, 9), validation, checkpoint: r.checkpoint })).rejects.toThrow(/other data/);
  });
});

describe('checkpoint encoding', () => {
  it('round-trips and rejects corrupt bytes', async () => {
    await initTf();
    const r = await trainSession({ train, validation, config, timeBudgetMs: 15, now: fakeClock() });
    const bytes = encodeCheckpoint(r.checkpoint);
    const back = decodeCheckpoint(bytes);
    expect(back.epoch).toBe(r.checkpoint.epoch);
    expect(back.batch).toBe(r.checkpoint.batch);
    expect(back.optimizer.map((w) => w.name)).toEqual(r.checkpoint.optimizer.map((w) => w.name));
    expect(maxAbsDiff(back.weights, r.checkpoint.weights)).toBe(0);
    expect(() => decodeCheckpoint(new TextEncoder().encode('nope nope'))).toThrow(/not a buzzfinder/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    expect(await loadCheckpoint(new MemoryStore(), 'missing.bin')).toBeNull();
  });
});

describe('learningCurveSvg', () => {
  it('draws both panels with one point per epoch', () => {
    const svg = learningCurveSvg(
      [
        { epoch: 1, loss: 1.2, acc: 0.5, valLoss: 1.1, valAcc: 0.55, seconds: 1 },
        { epoch: 2, loss: 0.8, acc: 0.7, valLoss: 0.9, valAcc: 0.66, seconds: 1 },
        { epoch: 3, loss: 0.5, acc: 0.8, valLoss: 0.95, valAcc: 0.7, seconds: 1 },
      ],
      { title: 'm <1>', bestEpoch: 2 },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('m &lt;1&gt;');
    expect((svg.match(/<polyline /g) ?? []).length).toBe(4);
    const pts = svg.match(/points="([^"]+)"/)![1].split(' ');
    expect(pts.length).toBe(3);
    expect(svg).toContain('best epoch 2');
  });
});
