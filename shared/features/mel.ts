/**
 * Slaney mel scale and the Slaney-normalised triangular mel filterbank, as librosa 0.9.2 builds them
 * (`librosa.filters.mel(htk=False, norm='slaney')`), stored sparsely: each band keeps only its nonzero bins.
 */

const F_SP = 200 / 3; // linear part: 66.67 Hz per mel below 1 kHz
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOG_STEP = Math.log(6.4) / 27;

/** Hz -> mel on the Slaney (Auditory Toolbox) scale: linear below 1 kHz, logarithmic above. */
export function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

/** Inverse of `hzToMel`. */
export function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/** `count` frequencies (Hz) evenly spaced in mel between fMin and fMax inclusive (librosa.mel_frequencies). */
export function melFrequencies(options: { count: number; fMin: number; fMax: number }): Float64Array {
  const { count, fMin, fMax } = options;
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    // numpy.linspace: lo + i * step, with the last point exactly hi.
    const mel = i === count - 1 ? hi : lo + i * ((hi - lo) / (count - 1));
    out[i] = melToHz(mel);
  }
  return out;
}

/** One mel band: weights for FFT bins start .. start + weights.length - 1 (all other bins are zero). */
export interface MelBand {
  start: number;
  weights: Float64Array;
}

export interface MelFilterbank {
  nMels: number;
  /** FFT bins per frame: nFft / 2 + 1. */
  bins: number;
  bands: MelBand[];
  /** The same bands flattened for the inner loop: band m's weights are weights[offset[m] .. offset[m+1]) for bins start[m]... */
  flat: { start: Int32Array; offset: Int32Array; weights: Float64Array };
}

function flatten(bands: MelBand[]): MelFilterbank['flat'] {
  const start = Int32Array.from(bands, (b) => b.start);
  const offset = new Int32Array(bands.length + 1);
  bands.forEach((b, m) => (offset[m + 1] = offset[m] + b.weights.length));
  const weights = new Float64Array(offset[bands.length]);
  bands.forEach((b, m) => weights.set(b.weights, offset[m]));
  return { start, offset, weights };
}

/**
 * librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney'): triangles between adjacent
 * mel-spaced edge frequencies, each scaled by 2 / (f_hi - f_lo) so every band has equal area.
 * Weights are rounded to float32 because librosa returns the filterbank as float32.
 */
export function melFilterbank(options: { sampleRate: number; nFft: number; nMels: number; fMin: number; fMax: number }): MelFilterbank {
  const { sampleRate, nFft, nMels, fMin, fMax } = options;
  const bins = Math.floor(nFft / 2) + 1;
  const edges = melFrequencies({ count: nMels + 2, fMin, fMax });
  const bands: MelBand[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m];
    const mid = edges[m + 1];
    const hi = edges[m + 2];
    const enorm = 2 / (hi - lo);
    let start = -1;
    const values: number[] = [];
    for (let k = 0; k < bins; k++) {
      const f = k * (sampleRate / nFft); // numpy.fft.rfftfreq(n_fft, 1 / sr)
      const lower = (f - lo) / (mid - lo);
      const upper = (hi - f) / (hi - mid);
      // librosa stores the triangle in float32, then scales it in place (float32 again).
      const w = Math.fround(Math.fround(Math.max(0, Math.min(lower, upper))) * enorm);
      if (w > 0) {
        if (start < 0) start = k;
        // Fill any interior zero (cannot happen for a triangle, kept for safety) so the range stays contiguous.
        while (start + values.length < k) values.push(0);
        values.push(w);
      }
    }
    bands.push({ start: Math.max(start, 0), weights: Float64Array.from(values) });
  }
  return { nMels, bins, bands, flat: flatten(bands) };
}
