/**
 * Small synthetic feature sets for model tests: each class shifts a different third of the values axis.
 * `shape` ([frames, values]) defaults to the comprehensive MFCC's 87 x 39 (and is then left out of the set).
 */
import { FEATURE_COEFFS, FEATURE_FRAMES } from '../../shared/constants';
import { FeatureSet } from '../../shared/model/data';
import { Rng } from '../../shared/rng';

export function syntheticFeatureSet(n: number, seed: number, separation = 1.5, shape?: [number, number]): FeatureSet {
  const rng = new Rng(seed);
  const [frames, width] = shape ?? [FEATURE_FRAMES, FEATURE_COEFFS];
  const size = frames * width;
  const block = Math.ceil(width / 3);
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    y[i] = k;
    for (let t = 0; t < frames; t++) {
      for (let c = 0; c < width; c++) {
        const signal = Math.floor(c / block) === k ? separation : 0;
        x[i * size + t * width + c] = rng.gaussian() + signal;
      }
    }
  }
  return {
    n,
    x,
    y,
    ...(shape ? { shape } : {}),
    sources: Array.from({ length: n }, (_, i) => (i % 2 ? 'synth' : 'soundfont')),
    groups: Array.from({ length: n }, (_, i) => `g${i % 4}`),
    files: Array.from({ length: n }, (_, i) => `clip-${i}.wav`),
  };
}
