import { initTf } from '../../adapters/tf-backend';
import { mixupInPlace, sampleBeta, smoothedTargets, specAugmentInPlace, timeShiftInPlace } from '../../shared/model/augment';
import { predictFeatures } from '../../shared/model/classifier';
import { RES_CNN } from '../../shared/model/res-cnn';
import { trainSession } from '../../shared/model/train';
import { Rng } from '../../shared/rng';
import { syntheticFeatureSet } from './fixtures';

describe('label smoothing', () => {
  it('moves eps of each one-hot row evenly over the classes', () => {
    const t = smoothedTargets([0, 2], 3, 0.3);
    expect(Array.from(t).map((v) => Number(v.toFixed(6)))).toEqual([0.8, 0.1, 0.1, 0.1, 0.1, 0.8]);
    expect(Array.from(smoothedTargets([1], 3, 0))).toEqual([0, 1, 0]);
    expect(() => smoothedTargets([1], 3, 1)).toThrow(TypeError);
  });
});

describe('sampleBeta', () => {
  it.each([
    [2, 5],
    [0.3, 0.3],
  ])('has the Beta(%p, %p) mean and variance', (a, b) => {
    const rng = new Rng(3);
    const n = 20000;
    const xs = Array.from({ length: n }, () => sampleBeta(rng, a, b));
    expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(mean).toBeCloseTo(a / (a + b), 2);
    expect(variance).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 2);
  });
});

describe('mixupInPlace', () => {
  it('mixes each example with one partner, the own label dominant, targets still distributions', () => {
    const n = 6;
    const size = 5;
    const x = Float32Array.from({ length: n * size }, (_, i) => Math.floor(i / size) * 10 + (i % size));
    const labels = [0, 1, 2, 0, 1, 2];
    const targets = smoothedTargets(labels, 3, 0);
    const x0 = x.slice();
    mixupInPlace(x, targets, n, new Rng(9), 0.4);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(targets.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      expect(row[labels[i]]).toBeGreaterThanOrEqual(0.5 - 1e-6);
      // x_i = lam * x0_i + (1 - lam) * x0_j with lam = the own-label weight (labels differ) for some j.
      const lam = row[labels[i]];
      const partners = Array.from({ length: n }, (_, j) => j).filter((j) => {
        for (let v = 0; v < size; v++) {
          const want = lam * x0[i * size + v] + (1 - lam) * x0[j * size + v];
          if (labels[j] !== labels[i] && Math.abs(want - x[i * size + v]) > 1e-3) return false;
        }
        return true;
      });
      expect(partners.length).toBeGreaterThan(0);
      if (Math.abs(x[i * size] - x0[i * size]) > 1e-6) changed++;
    }
    expect(changed).toBeGreaterThan(2);
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const x = Float32Array.from({ length: 12 }, (_, i) => i);
      const t = smoothedTargets([0, 1, 2, 1], 3, 0.1);
      mixupInPlace(x, t, 4, new Rng(seed), 0.2);
      return [...x, ...t];
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });
});

describe('specAugmentInPlace', () => {
  it('zeroes whole frames and whole bands, no wider than configured, and nothing else', () => {
    const frames = 20;
    const width = 10;
    const x = new Float32Array(2 * frames * width).fill(1);
    specAugmentInPlace(x, 2, frames, width, new Rng(2), { timeMasks: 1, maxTimeWidth: 4, bandMasks: 1, maxBandWidth: 3 });
    expect(x.every((v) => v === 0 || v === 1)).toBe(true);
    for (let i = 0; i < 2; i++) {
      const at = (t: number, c: number) => x[i * frames * width + t * width + c];
      const zeroFrames = Array.from({ length: frames }, (_, t) => t).filter((t) => Array.from({ length: width }, (_, c) => at(t, c)).every((v) => v === 0));
      const zeroBands = Array.from({ length: width }, (_, c) => c).filter((c) => Array.from({ length: frames }, (_, t) => at(t, c)).every((v) => v === 0));
      expect(zeroFrames.length).toBeLessThanOrEqual(4);
      expect(zeroBands.length).toBeLessThanOrEqual(3);
      // Every zero lies in a masked frame or a masked band.
      for (let t = 0; t < frames; t++) for (let c = 0; c < width; c++) if (at(t, c) === 0) expect(zeroFrames.includes(t) || zeroBands.includes(c)).toBe(true);
    }
    // Over many examples masks do happen.
    const many = new Float32Array(50 * frames * width).fill(1);
    specAugmentInPlace(many, 50, frames, width, new Rng(3), { timeMasks: 1, maxTimeWidth: 4, bandMasks: 1, maxBandWidth: 3 });
    expect(many.filter((v) => v === 0).length).toBeGreaterThan(50 * 20);
  });
});

describe('timeShiftInPlace', () => {
  it('moves each example by whole frames within the limit, repeating the edge frame, and every shift happens', () => {
    const frames = 12;
    const width = 3;
    const n = 200;
    // Frame t of example i holds i * 1000 + t in every band: any value tells where it came from.
    const x = Float32Array.from({ length: n * frames * width }, (_, j) => Math.floor(j / (frames * width)) * 1000 + (Math.floor(j / width) % frames));
    timeShiftInPlace(x, n, frames, width, new Rng(5), 3);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const frame = (t: number) => Array.from(x.subarray((i * frames + t) * width, (i * frames + t + 1) * width));
      for (let t = 0; t < frames; t++) expect(new Set(frame(t)).size).toBe(1); // bands stay together
      const src = Array.from({ length: frames }, (_, t) => frame(t)[0] - i * 1000);
      // The middle frame tells the shift; the rest follows it, clamped to the clip (the edge frames repeat).
      const shift = 6 - src[6];
      expect(Math.abs(shift)).toBeLessThanOrEqual(3);
      src.forEach((v, t) => expect(v).toBe(Math.min(frames - 1, Math.max(0, t - shift))));
      seen.add(shift);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('refuses a shift as long as the clip', () => {
    expect(() => timeShiftInPlace(new Float32Array(12), 1, 4, 3, new Rng(1), 4)).toThrow(/maxFrames/);
    expect(() => timeShiftInPlace(new Float32Array(11), 1, 4, 3, new Rng(1), 1)).toThrow(TypeError);
  });
});

describe('training with label smoothing', () => {
  beforeAll(async () => {
    await initTf();
  });

  it('keeps the model from becoming certain on easy data (without it, it does)', async () => {
    const shape: [number, number] = [24, 16];
    const train = syntheticFeatureSet(30, 1, 3, shape);
    const validation = syntheticFeatureSet(9, 2, 3, shape);
    const config = { seed: 1, maxEpochs: 8, batchSize: 10, learningRate: 1e-2, patience: 8, bnMomentum: 0.5, architecture: RES_CNN };
    const meanTopProbability = async (labelSmoothing: number) => {
      const run = await trainSession({ train, validation, config: { ...config, labelSmoothing } });
      const model = run.result!.model;
      const probs = predictFeatures(model, train.x, train.n);
      model.dispose();
      let s = 0;
      for (let i = 0; i < train.n; i++) s += Math.max(probs[3 * i], probs[3 * i + 1], probs[3 * i + 2]);
      return s / train.n;
    };
    const sharp = await meanTopProbability(0);
    const smooth = await meanTopProbability(0.45);
    // Targets 1 - 0.45 + 0.15 = 0.70 for the true class: the optimum of the smoothed loss.
    expect(sharp).toBeGreaterThan(0.9);
    expect(smooth).toBeLessThan(0.85);
  });
});

describe('training with time shifts', () => {
  beforeAll(async () => {
    await initTf();
  });

  it('trains with shifted examples; refuses a bad setting', async () => {
    const shape: [number, number] = [24, 16];
    const train = syntheticFeatureSet(12, 1, 3, shape);
    const validation = syntheticFeatureSet(6, 2, 3, shape);
    const config = { seed: 1, maxEpochs: 1, batchSize: 6, learningRate: 1e-2, patience: 1, bnMomentum: 0.5, architecture: RES_CNN };
    const run = await trainSession({ train, validation, config: { ...config, timeShiftFrames: 2 } });
    expect(run.result!.epochsRun).toBe(1);
    expect(run.result!.history[0].loss).toBeGreaterThan(0);
    run.result!.model.dispose();
    await expect(trainSession({ train, validation, config: { ...config, timeShiftFrames: -1 } })).rejects.toThrow(/timeShiftFrames/);
    await expect(trainSession({ train, validation, config: { ...config, timeShiftFrames: 24 } })).rejects.toThrow(/maxFrames/);
  });
});
