/**
 * Pitch of a note inside a take, where earlier notes on other strings are still ringing under it.
 * Plain YIN on the mixture locks onto the combined period (often an octave or a fifth below). Instead:
 * 1. magnitude spectra (Hann, zero-padded to 4096) of the note just after its attack and of the same span
 *    just before the onset; the positive difference is the energy the new note brought;
 * 2. harmonic summation over f0 candidates (70–1400 Hz, 1/8-semitone grid) with decaying harmonic weights, so
 *    a sub-octave (which matches only every other partial, with lower weights) never beats the true f0;
 * 3. the f0 is refined from the interpolated peaks of the first harmonics;
 * 4. harmonicity (share of the new energy on the harmonics) below a threshold → no pitch (muted/dead notes).
 */
import { SAMPLE_RATE } from '../constants';
import { RealFftPlan } from '../features/fft';
import { periodicHann } from '../features/spectrogram';
import { NotePitch } from './estimate';
import { hzToMidiFloat, midiToName } from './notes';

export interface NotePitchOptions {
  sampleRate?: number;
  fMinHz?: number;
  fMaxHz?: number;
  /** Seconds skipped after the onset (the pick transient). */
  skipSec?: number;
  /** Longest analysed span, seconds. */
  maxSec?: number;
  /** Minimum share of the new energy on the f0's harmonics. */
  minHarmonicity?: number;
}

export const NOTE_PITCH_DEFAULTS = {
  fMinHz: 70,
  fMaxHz: 1400,
  skipSec: 0.03,
  maxSec: 0.25,
  minHarmonicity: 0.22,
} as const;

const FFT_SIZE = 4096;
const HARMONICS = 12;
const HARMONIC_DECAY = 0.85;

export interface NotePitchEstimate {
  pitch: NotePitch | null;
  harmonicity: number;
}

/** Reusable buffers for many notes (one per report; never shared between concurrent builds). */
export class NotePitchEstimator {
  private readonly o: Required<NotePitchOptions>;
  private readonly fft = new RealFftPlan(FFT_SIZE);
  private readonly scratch = this.fft.createScratch();
  private readonly frame = new Float64Array(FFT_SIZE);
  private readonly after = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly before = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly candidates: Float64Array;

  constructor(options: NotePitchOptions = {}) {
    this.o = { sampleRate: SAMPLE_RATE, ...NOTE_PITCH_DEFAULTS, ...options };
    const steps = Math.floor(96 * Math.log2(this.o.fMaxHz / this.o.fMinHz));
    this.candidates = new Float64Array(steps + 1);
    for (let i = 0; i <= steps; i++) this.candidates[i] = this.o.fMinHz * 2 ** (i / 96);
  }

  private spectrum(source: Float32Array, start: number, length: number, out: Float64Array): void {
    const win = periodicHann(length);
    this.frame.fill(0);
    for (let i = 0; i < length; i++) {
      const s = start + i;
      this.frame[i] = s >= 0 && s < source.length ? source[s] * win[i] : 0;
    }
    this.fft.powerSpectrum(this.frame, out, this.scratch);
    for (let k = 0; k < out.length; k++) out[k] = Math.sqrt(out[k]);
  }

  /**
   * `take` holds the signal; the note starts at `onsetSample` and lasts until `endSample` (next onset or the
   * end). Samples before the onset (if any) are used as the "already ringing" reference.
   */
  estimate(take: Float32Array, onsetSample: number, endSample: number): NotePitchEstimate {
    const { sampleRate: sr, skipSec, maxSec, fMinHz, fMaxHz, minHarmonicity } = this.o;
    const start = Math.round(onsetSample + skipSec * sr);
    const length = Math.min(Math.round(maxSec * sr), Math.min(endSample, take.length) - start, FFT_SIZE);
    // At least ~2.5 periods of the lowest note.
    if (length < Math.round((2.5 * sr) / fMinHz)) return { pitch: null, harmonicity: 0 };
    this.spectrum(take, start, length, this.after);
    const beforeStart = Math.round(onsetSample) - length;
    if (beforeStart >= 0) this.spectrum(take, beforeStart, length, this.before);
    else this.before.fill(0);
    const bins = this.after.length;
    const fresh = this.after; // in place: new energy = max(0, after - before)
    let total = 0;
    const binHz = sr / FFT_SIZE;
    const loBin = Math.floor(fMinHz / binHz) - 2;
    const hiBin = Math.min(bins - 1, Math.ceil((HARMONICS * fMaxHz) / binHz));
    for (let k = 0; k < bins; k++) {
      const v = Math.max(0, fresh[k] - this.before[k]);
      fresh[k] = v;
      if (k >= loBin && k <= hiBin) total += v;
    }
    if (!(total > 0)) return { pitch: null, harmonicity: 0 };
    // Harmonic summation (peak within ±1.5% of each harmonic: tolerates inharmonicity and tuning).
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < this.candidates.length; i++) {
      const f0 = this.candidates[i];
      let score = 0;
      let w = 1;
      for (let h = 1; h <= HARMONICS; h++, w *= HARMONIC_DECAY) {
        const f = h * f0;
        if (f >= sr / 2 - binHz) break;
        score += w * this.peakNear(fresh, f / binHz, 0.015);
      }
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    const f0 = this.refine(fresh, this.candidates[best], binHz);
    // Harmonicity: energy within ±3% of the first harmonics over all new energy in range.
    let onHarmonics = 0;
    for (let h = 1; h <= HARMONICS; h++) {
      const c = (h * f0) / binHz;
      if (c >= hiBin) break;
      const lo = Math.max(0, Math.floor(c * 0.97));
      const hi = Math.min(bins - 1, Math.ceil(c * 1.03));
      for (let k = lo; k <= hi; k++) onHarmonics += fresh[k];
    }
    const harmonicity = Math.min(1, onHarmonics / total);
    if (harmonicity < minHarmonicity || !(f0 >= fMinHz * 0.97 && f0 <= fMaxHz * 1.03)) return { pitch: null, harmonicity };
    const midi = Math.round(hzToMidiFloat(f0));
    return { pitch: { hz: f0, midi, name: midiToName(midi) }, harmonicity };
  }

  private peakNear(spec: Float64Array, centreBin: number, rel: number): number {
    const lo = Math.max(0, Math.floor(centreBin * (1 - rel)));
    const hi = Math.min(spec.length - 1, Math.ceil(centreBin * (1 + rel)));
    let m = 0;
    for (let k = lo; k <= hi; k++) if (spec[k] > m) m = spec[k];
    return m;
  }

  /** Weighted mean of (interpolated peak frequency / h) over the first four harmonics. */
  private refine(spec: Float64Array, f0: number, binHz: number): number {
    let num = 0;
    let den = 0;
    for (let h = 1; h <= 4; h++) {
      const c = (h * f0) / binHz;
      const lo = Math.max(1, Math.floor(c * 0.985));
      const hi = Math.min(spec.length - 2, Math.ceil(c * 1.015));
      let k = lo;
      for (let j = lo; j <= hi; j++) if (spec[j] > spec[k]) k = j;
      const a = spec[k - 1];
      const b = spec[k];
      const g = spec[k + 1];
      if (!(b > 0) || b < a || b < g) continue;
      const denom = a - 2 * b + g;
      const offset = denom < 0 ? (0.5 * (a - g)) / denom : 0;
      num += b * (((k + offset) * binHz) / h);
      den += b;
    }
    return den > 0 ? num / den : f0;
  }
}
