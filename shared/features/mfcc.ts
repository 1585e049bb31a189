/**
 * librosa.feature.mfcc (0.9.2): DCT-II (orthonormal) over the mel axis of power_to_db(melspectrogram),
 * keeping the first nMfcc coefficients. The dB floor (topDb) is relative to the maximum of the whole input.
 */
import { MFCC_PARAMS } from '../constants';
import { centeredFrameCount, createMelSpectrogramPlan, melSpectrogramInto, MelSpectrogramOptions, MelSpectrogramPlan, powerToDbInPlace, SEED_MEL_PLAN } from './spectrogram';

export interface MfccOptions extends MelSpectrogramOptions {
  nMfcc?: number;
  topDb?: number | null;
  amin?: number;
}

export interface Mfcc {
  /** Frame-major: data[t * nMfcc + k]. */
  data: Float32Array;
  frames: number;
  nMfcc: number;
}

/** Orthonormal DCT-II basis rows k < nOut over n inputs (scipy.fft.dct(type=2, norm='ortho')). */
export function dctBasis(nIn: number, nOut: number): Float64Array {
  const basis = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const scale = k === 0 ? Math.sqrt(1 / nIn) : Math.sqrt(2 / nIn);
    for (let n = 0; n < nIn; n++) basis[k * nIn + n] = scale * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nIn));
  }
  return basis;
}

const SEED_DCT = dctBasis(MFCC_PARAMS.nMels, MFCC_PARAMS.nMfcc);

/**
 * out[t*nOut + k] = sum_n basis[k*nIn + n] * input[t*nIn + n]. DCT-II rows are even (k even) or odd (k odd)
 * about the middle, so sums over mirrored pairs x[n] +/- x[nIn-1-n] halve the multiplications.
 */
function applyDct(input: Float64Array, frames: number, nIn: number, basis: Float64Array, nOut: number, out: Float64Array): void {
  const halfIn = nIn >> 1;
  const odd = nIn % 2 === 1;
  const sum = new Float64Array(halfIn);
  const diff = new Float64Array(halfIn);
  for (let t = 0; t < frames; t++) {
    const base = t * nIn;
    for (let n = 0; n < halfIn; n++) {
      const a = input[base + n];
      const b = input[base + nIn - 1 - n];
      sum[n] = a + b;
      diff[n] = a - b;
    }
    const middle = odd ? input[base + halfIn] : 0;
    for (let k = 0; k < nOut; k++) {
      const row = k * nIn;
      const pair = k % 2 === 0 ? sum : diff;
      let s = 0;
      for (let n = 0; n < halfIn; n++) s += basis[row + n] * pair[n];
      // The middle sample of an odd-length input pairs with itself (its odd-row coefficient is 0).
      if (odd && k % 2 === 0) s += basis[row + halfIn] * middle;
      out[t * nOut + k] = s;
    }
  }
}

/** MFCCs in float64, frame-major, for callers that post-process (deltas) before rounding. */
export function mfcc64(y: Float32Array, options: MfccOptions = {}): { data: Float64Array; frames: number; nMfcc: number } {
  const { nMfcc: nMfccOption, topDb, amin, ...melOptions } = options;
  const nMfcc = nMfccOption ?? MFCC_PARAMS.nMfcc;
  const plan: MelSpectrogramPlan = Object.keys(melOptions).length === 0 ? SEED_MEL_PLAN : createMelSpectrogramPlan(melOptions);
  const nMels = plan.nMels;
  if (!Number.isInteger(nMfcc) || nMfcc < 1 || nMfcc > nMels) throw new TypeError(`mfcc: nMfcc must be an integer in [1, nMels=${nMels}], got ${nMfcc}`);
  if (y.length < 1) throw new TypeError('mfcc: empty signal');
  const frames = centeredFrameCount(y.length, plan.hopLength);
  const mel = new Float64Array(frames * nMels);
  melSpectrogramInto(y, plan, mel);
  powerToDbInPlace(mel, { amin: amin ?? MFCC_PARAMS.amin, topDb: topDb === undefined ? MFCC_PARAMS.topDb : topDb });
  const basis = plan === SEED_MEL_PLAN && nMfcc === MFCC_PARAMS.nMfcc ? SEED_DCT : dctBasis(nMels, nMfcc);
  const data = new Float64Array(frames * nMfcc);
  applyDct(mel, frames, nMels, basis, nMfcc, data);
  return { data, frames, nMfcc };
}

/** librosa.feature.mfcc(y, sr, n_mfcc, n_fft, hop_length, ...) transposed to frame-major float32. */
export function mfcc(y: Float32Array, options?: MfccOptions): Mfcc {
  const r = mfcc64(y, options);
  return { data: new Float32Array(r.data), frames: r.frames, nMfcc: r.nMfcc };
}
