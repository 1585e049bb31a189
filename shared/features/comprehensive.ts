/**
 * The seed project's model input, "comprehensive MFCC": for the first 2 s of audio at 22050 Hz,
 * concat([M, delta(M), delta(M, order=2)]) with M = librosa.feature.mfcc(y, sr=22050, n_mfcc=13, n_fft=2048,
 * hop_length=512), transposed to 87 frames x 39 values. Computed in float64, returned as float32 like librosa.
 */
import { CLIP_SAMPLES, FEATURE_COEFFS, FEATURE_FRAMES, MFCC_PARAMS } from '../constants';
import { delta } from './delta';
import { FeatureInputError } from './errors';
import { mfcc64 } from './mfcc';

export interface ComprehensiveMfcc {
  /** FEATURE_FRAMES x FEATURE_COEFFS, frame-major: values[t * 39 + c]; c < 13 MFCC, < 26 delta, < 39 delta-delta. */
  values: Float32Array;
  frames: typeof FEATURE_FRAMES;
  coefficients: typeof FEATURE_COEFFS;
  /** True when the input was shorter than CLIP_SAMPLES and zero-padded to it. */
  padded: boolean;
}

/**
 * MFCC + delta + delta-delta over the whole of `y` (no trimming or padding), frame-major [frames x 3*nMfcc].
 * `comprehensiveMfcc` is this on exactly CLIP_SAMPLES; exposed for signals of other lengths (e.g. 1 s -> 44 frames).
 */
export function mfccWithDeltas(y: Float32Array): { values: Float32Array; frames: number; coefficients: number } {
  const nMfcc = MFCC_PARAMS.nMfcc;
  const m = mfcc64(y);
  const d1 = delta(m.data, { frames: m.frames, coefficients: nMfcc, order: 1, width: MFCC_PARAMS.deltaWidth });
  const d2 = delta(m.data, { frames: m.frames, coefficients: nMfcc, order: 2, width: MFCC_PARAMS.deltaWidth });
  const coefficients = 3 * nMfcc;
  const values = new Float32Array(m.frames * coefficients);
  for (let t = 0; t < m.frames; t++) {
    const o = t * coefficients;
    const i = t * nMfcc;
    for (let k = 0; k < nMfcc; k++) {
      values[o + k] = m.data[i + k];
      values[o + nMfcc + k] = d1[i + k];
      values[o + 2 * nMfcc + k] = d2[i + k];
    }
  }
  return { values, frames: m.frames, coefficients };
}

/** Throws FeatureInputError unless every sample is finite. */
export function assertFiniteSignal(y: ArrayLike<number>, what = 'audio'): void {
  // Fast screen: x * 0 is (+/-)0 for finite x and NaN for +/-Infinity or NaN; four sums keep the adds independent.
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const n4 = y.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    a0 += y[i] * 0;
    a1 += y[i + 1] * 0;
    a2 += y[i + 2] * 0;
    a3 += y[i + 3] * 0;
  }
  for (let i = n4; i < y.length; i++) a0 += y[i] * 0;
  if (a0 + a1 + a2 + a3 === 0) return;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw new FeatureInputError('non_finite', `${what} has a non-finite sample at index ${i}`);
  }
}

/**
 * The seed's comprehensive MFCC of `clip` (mono, SAMPLE_RATE): its first CLIP_SAMPLES samples, zero-padded
 * at the end when shorter (`padded: true`). Empty or non-finite input is a FeatureInputError.
 */
export function comprehensiveMfcc(clip: Float32Array): ComprehensiveMfcc {
  if (!(clip instanceof Float32Array)) throw new TypeError('comprehensiveMfcc: clip must be a Float32Array');
  if (clip.length === 0) throw new FeatureInputError('empty', 'cannot compute features of an empty clip');
  const padded = clip.length < CLIP_SAMPLES;
  let window: Float32Array;
  if (padded) {
    window = new Float32Array(CLIP_SAMPLES);
    window.set(clip);
  } else {
    window = clip.subarray(0, CLIP_SAMPLES);
  }
  assertFiniteSignal(window, 'clip');
  const r = mfccWithDeltas(window);
  return { values: r.values, frames: FEATURE_FRAMES, coefficients: FEATURE_COEFFS, padded };
}
