import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { architectureOfWeights, buildArchitecture, snapshotWeights } from '../../shared/model/architecture';
import { predictFeatures } from '../../shared/model/classifier';
import { RES_CNN, RES_CNN_MEDIUM, RES_CNN_SMALL } from '../../shared/model/res-cnn';
import { shrinkResCnn, topChannels } from '../../shared/model/shrink';
import { trainSession } from '../../shared/model/train';
import { Rng } from '../../shared/rng';
import { syntheticFeatureSet } from './fixtures';

const SHAPE: [number, number, number] = [87, 64, 1];

/**
 * Gives the parent trained-looking BatchNorms, then silences (gamma = beta = 0) every channel outside `live`: such a
 * channel outputs 0 after BN (and ReLU), so a network without it computes exactly the same function.
 */
function silenceAllBut(model: tf.LayersModel, live: number[][], seed: number): void {
  const rng = new Rng(seed);
  const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  bns.forEach((layer, b) => {
    const keep = new Set(live[b]);
    layer.setWeights(
      layer.getWeights().map((w, i) => {
        const values = Float32Array.from({ length: w.size }, (_, c) => {
          if (i < 2 && !keep.has(c)) return 0; // gamma, beta of a silenced channel
          return i === 3 ? 0.2 + 2 * rng.next() : i === 0 ? 0.5 + rng.next() : rng.next() - 0.5;
        });
        return tf.tensor(values, w.shape);
      }),
    );
  });
}

function pick(rng: Rng, n: number, k: number): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, k).sort((a, b) => a - b);
}

describe('res-cnn-small and shrinking a res-cnn into it', () => {
  beforeAll(async () => {
    await initTf();
  });

  it('res-cnn-small has about a quarter of the convolution work, res-cnn-medium about half, each recognised by its weights', () => {
    const small = buildArchitecture(RES_CNN_SMALL, { seed: 1, inputShape: SHAPE });
    const full = buildArchitecture(RES_CNN, { seed: 1, inputShape: SHAPE });
    expect(small.name).toBe(RES_CNN_SMALL);
    // Multiply-adds of the convolutions (output positions x kernel size): halving in and out channels quarters them.
    const convMacs = (m: tf.LayersModel) =>
      m.layers
        .filter((l) => l.getClassName() === 'Conv2D')
        .reduce((s, l) => {
          const [, h, w] = l.outputShape as number[];
          return s + h * w * l.countParams();
        }, 0);
    expect(convMacs(full)).toBeGreaterThan(13e6);
    expect(convMacs(small) / convMacs(full)).toBeLessThan(0.3);
    // res-cnn-medium (three quarters of the channels): a little over half the work.
    const medium = buildArchitecture(RES_CNN_MEDIUM, { seed: 1, inputShape: SHAPE });
    expect(medium.name).toBe(RES_CNN_MEDIUM);
    expect(convMacs(medium) / convMacs(full)).toBeGreaterThan(0.5);
    expect(convMacs(medium) / convMacs(full)).toBeLessThan(0.62);
    expect(architectureOfWeights(snapshotWeights(small), SHAPE)).toBe(RES_CNN_SMALL);
    expect(architectureOfWeights(snapshotWeights(medium), SHAPE)).toBe(RES_CNN_MEDIUM);
    expect(architectureOfWeights(snapshotWeights(full), SHAPE)).toBe(RES_CNN);
    small.dispose();
    medium.dispose();
    full.dispose();
  });

  it('keeps the channels with the largest scores, in channel order', () => {
    expect(topChannels([0.1, 3, 2, 0.5, 2.5], 3)).toEqual([1, 2, 4]);
    expect(topChannels([1, 1, 1, 1], 2)).toEqual([0, 1]);
    expect(() => topChannels([1, 2], 3)).toThrow(TypeError);
  });

  it('computes exactly the parent when the dropped channels were silent', () => {
    const rng = new Rng(5);
    const parent = buildArchitecture(RES_CNN, { seed: 2, inputShape: SHAPE });
    const stem = pick(rng, 16, 8);
    const body = pick(rng, 32, 16);
    const branch = pick(rng, 32, 16);
    const head = Array.from({ length: 64 }, (_, i) => i);
    // BN order: stem, body, branch a, branch b (ends on the body's channels), head.
    silenceAllBut(parent, [stem, body, branch, body, head], 6);
    const child = buildArchitecture(RES_CNN_SMALL, { seed: 3, inputShape: SHAPE });
    expect(shrinkResCnn(parent, child)).toEqual({ stem, body, branch, head });
    const x = Float32Array.from({ length: 4 * 87 * 64 }, () => 2 * rng.next() - 1);
    const a = predictFeatures(parent, x, 4);
    const b = predictFeatures(child, x, 4);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
    parent.dispose();
    child.dispose();
  });

  it('refuses a network that is not a res-cnn, and a different input shape', () => {
    const seed = buildArchitecture('seed-cnn', { seed: 1, inputShape: [87, 39, 1] });
    const small = buildArchitecture(RES_CNN_SMALL, { seed: 1, inputShape: SHAPE });
    const otherInput = buildArchitecture(RES_CNN, { seed: 1, inputShape: [87, 40, 1] });
    expect(() => shrinkResCnn(otherInput, small)).toThrow(/input shapes differ/);
    const seedLike = buildArchitecture('seed-cnn', { seed: 1, inputShape: [87, 39, 1] });
    expect(() => shrinkResCnn(seed, seedLike)).toThrow(/not a res-cnn/);
    [seed, small, otherInput, seedLike].forEach((m) => m.dispose());
  });
});

describe('training with distillation', () => {
  beforeAll(async () => {
    await initTf();
  });

  const shape: [number, number] = [24, 16];
  const config = { seed: 1, maxEpochs: 8, batchSize: 10, learningRate: 1e-2, patience: 8, bnMomentum: 0.5, architecture: RES_CNN };

  it('follows the teacher where it disagrees with the labels, as far as its weight says', async () => {
    const train = syntheticFeatureSet(30, 1, 3, shape);
    const validation = syntheticFeatureSet(9, 2, 3, shape);
    // A teacher that calls every training clip 'muted' (class 2) with certainty.
    const teacherProbs = new Float32Array(train.n * 3);
    for (let i = 0; i < train.n; i++) teacherProbs[3 * i + 2] = 1;
    const mutedShare = async (weight: number) => {
      const run = await trainSession({ train, validation, teacherProbs, config: { ...config, distillation: { teacher: 'test@1', weight } } });
      const model = run.result!.model;
      const probs = predictFeatures(model, train.x, train.n);
      model.dispose();
      let muted = 0;
      for (let i = 0; i < train.n; i++) if (probs[3 * i + 2] > Math.max(probs[3 * i], probs[3 * i + 1])) muted++;
      return muted / train.n;
    };
    const labelsWin = await mutedShare(0.2);
    const teacherWins = await mutedShare(0.9);
    expect(labelsWin).toBeLessThan(0.5); // a third of the labels are muted; the labels decide
    expect(teacherWins).toBe(1);
  });

  it('refuses distillation without the teacher probabilities, and probabilities without distillation', async () => {
    const train = syntheticFeatureSet(6, 1, 3, shape);
    const validation = syntheticFeatureSet(3, 2, 3, shape);
    const distillation = { teacher: 'test@1', weight: 0.5 };
    await expect(trainSession({ train, validation, config: { ...config, distillation } })).rejects.toThrow(/teacherProbs/);
    await expect(trainSession({ train, validation, teacherProbs: new Float32Array(6), config: { ...config, distillation } })).rejects.toThrow(/6 x 3/);
    await expect(trainSession({ train, validation, teacherProbs: new Float32Array(18), config })).rejects.toThrow(/without config.distillation/);
    await expect(trainSession({ train, validation, teacherProbs: new Float32Array(18), config: { ...config, distillation: { ...distillation, weight: 0 } } })).rejects.toThrow(/weight/);
  });
});
