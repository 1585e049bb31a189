/** Small synthetic feature sets for model tests: each class shifts a different block of coefficients. */
import { FEATURE_COEFFS, FEATURE_FRAMES } from '../../shared/constants';
import { FeatureSet } from '../../shared/model/data';
import { Rng } from '../../shared/rng';

export function syntheticFeatureSet(n: number, seed: number, separation = 1.5): FeatureSet {
  const rng = new Rng(seed);
  const size = FEATURE_FRAMES * FEATURE_COEFFS;
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    y[i] = k;
    for (let t = 0; t < FEATURE_FRAMES; t++) {
      for (let c = 0; c < FEATURE_COEFFS; c++) {
        const signal = Math.floor(c / 13) === k ? separation : 0;
        x[i * size + t * FEATURE_COEFFS + c] = rng.gaussian() + signal;
      }
    }
  }
  return {
    n,
    x,
    y,
    sources: Array.from({ length: n }, (_, i) => (i % 2 ? 'synth' : 'soundfont')),
    groups: Array.from({ length: n }, (_, i) => `g${i % 4}`),
    files: Array.from({ length: n }, (_, i) => `clip-${i}.wav`),
  };
}
