import { BuzzfinderError } from '../../shared/errors';
import { CLIP_SAMPLES, FEATURE_COEFFS, FEATURE_FRAMES, MFCC_PARAMS, SAMPLE_RATE } from '../../shared/constants';
import { assertFiniteSignal, comprehensiveMfcc } from '../../shared/features/comprehensive';
import { FeatureInputError, FeaturePipelineError } from '../../shared/features/errors';
import {
  assertSupportedPipeline,
  extractFeatureBatch,
  extractFeatures,
  SEED_PIPELINE,
  STANDARDIZED_PIPELINE,
} from '../../shared/features/pipeline';
import { Rng } from '../../shared/rng';

const SIZE = FEATURE_FRAMES * FEATURE_COEFFS;

function pluck(hz: number, seed: number, gain = 0.5): Float32Array {
  const rng = new Rng(seed);
  const y = new Float32Array(CLIP_SAMPLES);
  for (let i = 0; i < y.length; i++) {
    const t = i / SAMPLE_RATE;
    y[i] = gain * Math.exp(-3 * t) * (Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(4 * Math.PI * hz * t)) + 0.001 * gain * rng.gaussian();
  }
  return y;
}

function expectPipelineError(value: unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    assertSupportedPipeline(value);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FeaturePipelineError);
  expect(caught).toBeInstanceOf(BuzzfinderError);
  expect((caught as FeaturePipelineError).code).toBe('unsupported_pipeline');
  expect((caught as Error).message).toMatch(pattern);
}

describe('FeaturePipeline descriptors', () => {
  it('SEED_PIPELINE is the original input: comprehensive-mfcc v1, MFCC_PARAMS, no normalization', () => {
    expect(SEED_PIPELINE).toEqual({ name: 'comprehensive-mfcc', version: 1, params: { ...MFCC_PARAMS }, normalization: 'none' });
    expect(STANDARDIZED_PIPELINE.normalization).toBe('per-clip-standardize');
  });

  it('survive a JSON round trip (as model metadata) and validate', () => {
    for (const p of [SEED_PIPELINE, STANDARDIZED_PIPELINE]) {
      expect(assertSupportedPipeline(JSON.parse(JSON.stringify(p)))).toEqual(p);
    }
  });

  it('reject what this build cannot reproduce, naming the difference', () => {
    expectPipelineError(null, /must be an object/);
    expectPipelineError('comprehensive-mfcc', /must be an object/);
    expectPipelineError({ ...SEED_PIPELINE, name: 'cqt' }, /unknown feature pipeline 'cqt' \(supported: 'comprehensive-mfcc', 'log-mel'\)/);
    // A known name with the other pipeline's parameters is refused by that pipeline's own check.
    expectPipelineError({ ...SEED_PIPELINE, name: 'log-mel' }, /log-mel has unknown params: nMfcc, deltaWidth/);
    expectPipelineError({ ...SEED_PIPELINE, version: 2 }, /version 2/);
    expectPipelineError({ ...SEED_PIPELINE, params: { ...MFCC_PARAMS, nFft: 1024 } }, /nFft=1024/);
    const { hopLength: _dropped, ...missing } = MFCC_PARAMS;
    expectPipelineError({ ...SEED_PIPELINE, params: missing }, /hopLength=undefined/);
    expectPipelineError({ ...SEED_PIPELINE, params: { ...MFCC_PARAMS, lifter: 22 } }, /unknown params: lifter/);
    expectPipelineError({ ...SEED_PIPELINE, params: 'default' }, /params must be an object/);
    expectPipelineError({ ...SEED_PIPELINE, normalization: 'global' }, /unknown normalization 'global'/);
  });
});

describe('extractFeatureBatch', () => {
  const clips = [pluck(110, 1), pluck(196, 2), pluck(330, 3)];

  it("'none' is the comprehensive MFCC of each clip, N x 87 x 39 frame-major", () => {
    const batch = extractFeatureBatch(SEED_PIPELINE, clips);
    expect(batch.length).toBe(3 * SIZE);
    clips.forEach((clip, i) => {
      expect(Array.from(batch.subarray(i * SIZE, (i + 1) * SIZE))).toEqual(Array.from(comprehensiveMfcc(clip).values));
    });
    expect(Array.from(extractFeatures(SEED_PIPELINE, clips[1]))).toEqual(Array.from(batch.subarray(SIZE, 2 * SIZE)));
  });

  it('an empty batch is an empty array', () => {
    expect(extractFeatureBatch(SEED_PIPELINE, []).length).toBe(0);
  });

  it("'per-clip-standardize' gives every column zero mean and unit std over the clip", () => {
    const batch = extractFeatureBatch(STANDARDIZED_PIPELINE, clips);
    for (let i = 0; i < clips.length; i++) {
      for (let c = 0; c < FEATURE_COEFFS; c++) {
        let sum = 0;
        let sq = 0;
        for (let t = 0; t < FEATURE_FRAMES; t++) sum += batch[i * SIZE + t * FEATURE_COEFFS + c];
        const mean = sum / FEATURE_FRAMES;
        for (let t = 0; t < FEATURE_FRAMES; t++) sq += (batch[i * SIZE + t * FEATURE_COEFFS + c] - mean) ** 2;
        expect(Math.abs(mean)).toBeLessThan(1e-4);
        expect(Math.sqrt(sq / FEATURE_FRAMES)).toBeCloseTo(1, 3);
      }
    }
  });

  it("'per-clip-standardize' is invariant to the recording level; 'none' is not", () => {
    const loud = pluck(196, 7, 0.8);
    const quiet = Float32Array.from(loud, (v) => v * 0.1);
    const [a, b] = [extractFeatures(STANDARDIZED_PIPELINE, loud), extractFeatures(STANDARDIZED_PIPELINE, quiet)];
    let maxStd = 0;
    for (let i = 0; i < SIZE; i++) maxStd = Math.max(maxStd, Math.abs(a[i] - b[i]));
    expect(maxStd).toBeLessThan(1e-3);
    const [c, d] = [extractFeatures(SEED_PIPELINE, loud), extractFeatures(SEED_PIPELINE, quiet)];
    expect(c[0] - d[0]).toBeCloseTo(20 * Math.sqrt(128), 1); // -20 dB on every mel band moves c0 by 20 * sqrt(128)
  });

  it("'per-clip-standardize' of silence is all zeros, not NaN", () => {
    const values = extractFeatures(STANDARDIZED_PIPELINE, new Float32Array(CLIP_SAMPLES));
    expect(values.every((v) => v === 0)).toBe(true);
  });

  it('rejects an unsupported pipeline and bad clips', () => {
    expect(() => extractFeatureBatch({ ...SEED_PIPELINE, version: 9 }, clips)).toThrow(FeaturePipelineError);
    const bad = pluck(110, 4);
    bad[1000] = NaN;
    expect(() => extractFeatureBatch(SEED_PIPELINE, [clips[0], bad])).toThrow(FeatureInputError);
    expect(() => extractFeatureBatch(SEED_PIPELINE, [new Float32Array(0)])).toThrow(/empty/);
  });
});

describe('assertFiniteSignal', () => {
  it.each([
    [0, NaN],
    [44_099, Infinity],
    [44_098, -Infinity],
    [7, NaN],
  ])('reports the first non-finite sample (index %i, %p), including the unrolled loop tail', (index, value) => {
    const y = new Float32Array(44_100).fill(0.25);
    y[index] = value;
    expect(() => assertFiniteSignal(y, 'clip')).toThrow(new RegExp(`non-finite sample at index ${index}$`));
    expect(() => comprehensiveMfcc(y)).toThrow(FeatureInputError);
  });

  it('accepts finite signals of every length modulo 4, including huge and -0 values', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const y = Float32Array.from({ length: n }, (_, i) => (i % 2 ? -3.4e38 : -0));
      expect(() => assertFiniteSignal(y)).not.toThrow();
    }
  });
});
