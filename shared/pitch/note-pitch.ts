/**
 * Pitch of a note inside a take, where earlier notes on other strings are still ringing under it.
 * Plain YIN on the mixture locks onto the combined period (often an octave or a fifth below). Instead:
 * 1. magnitude spectra (Hann, zero-padded to 4096) of the note just after its attack and of the same span
 *    just before the onset; the positive difference is the energy the new note brought;
 * 2. harmonic salience (Klapuri 2006) of f0 candidates (70–1400 Hz, 1/8-semitone grid) on the 4th root of
 *    that difference: weights falling with harmonic frequency, so a sub-octave (which collects only every other
 *    partial, at lower weights) loses, while the compression keeps a missing fundamental or a few dominant
 *    partials from pulling the estimate an octave up;
 * 3. the f0 is refined from the interpolated peaks of the first harmonics;
 * 4. harmonicity (share of the new energy on the harmonics) below a threshold → no pitch (muted/dead notes).
 * Parameters were chosen on synthetic takes of seeds 1, 2, 10, 11, 30, 35, 42, 58 and reported on seeds 3–7
 * (docs/report.md).
 */
import { SAMPLE_RATE } from '../constants';
import { RealFftPlan } from '../features/fft';
import { periodicHann } from '../features/spectrogram';
import { PowerSpectrumKernel } from '../onsets/band-kernel';
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
  /** 'auto' (default): full-length spectra through the WebAssembly SIMD kernel where available; 'js': always the JS FFT. */
  fft?: 'auto' | 'js';
}

export const NOTE_PITCH_DEFAULTS = {
  fMinHz: 70,
  fMaxHz: 1400,
  skipSec: 0.03,
  maxSec: 0.25,
  minHarmonicity: 0.55,
  fft: 'auto',
} as const;

const FFT_SIZE = 4096;
/** Harmonics counted by the harmonicity test. */
const HARMONICS = 12;
/** Klapuri's salience weights (f0 + alpha) / (h f0 + beta), his published values; harmonics up to SALIENCE_MAX_HZ. */
const SALIENCE_ALPHA_HZ = 27;
const SALIENCE_BETA_HZ = 320;
const SALIENCE_MAX_HZ = 5000;
const SALIENCE_TOLERANCE = 0.005;
const SALIENCE_FLOOR = 10 ** (-60 / 20);
/** Odd-to-even partial ratio of f0/2 (raw magnitudes) above which f0/2 is taken; noise gives < 0.1, real partials 0.3-1. */
const OCTAVE_ODD_RATIO = 0.3;

export interface NotePitchEstimate {
  pitch: NotePitch | null;
  harmonicity: number;
}

/**
 * Where the salience reads each harmonic h·f0 (h·f0 <= SALIENCE_MAX_HZ) of each candidate: within ±SALIENCE_TOLERANCE
 * (stiff strings run slightly sharp) the strongest bin, or, where that is under a bin, the spectrum linearly
 * interpolated at h·f0; weight (f0 + alpha) / (h·f0 + beta). The two kinds are kept in separate flat lists (each
 * entry naming its candidate) so that each is summed by a branch-free loop.
 */
function salienceTable(candidates: Float64Array, binHz: number, bins: number) {
  // Interpolated: comp[lo] + frac · (comp[lo + 1] − comp[lo]).
  const lerp = { candidate: [] as number[], lo: [] as number[], frac: [] as number[], weight: [] as number[] };
  // Range maximum from a sparse table: max(table[l][a], table[l][b − 2^l + 1]) with 2^l <= b − a + 1, as flat indices.
  const range = { candidate: [] as number[], first: [] as number[], second: [] as number[], weight: [] as number[] };
  let levels = 1;
  candidates.forEach((f0, i) => {
    for (let h = 1; h * f0 <= SALIENCE_MAX_HZ; h++) {
      const c = (h * f0) / binHz;
      const half = SALIENCE_TOLERANCE * c;
      if (Math.floor(c) + 1 >= bins) break;
      const weight = (f0 + SALIENCE_ALPHA_HZ) / (h * f0 + SALIENCE_BETA_HZ);
      if (half <= 1) {
        lerp.candidate.push(i);
        lerp.lo.push(Math.floor(c));
        lerp.frac.push(c - Math.floor(c));
        lerp.weight.push(weight);
      } else {
        const a = Math.max(0, Math.round(c - half));
        const b = Math.min(bins - 1, Math.round(c + half));
        const l = Math.floor(Math.log2(b - a + 1));
        levels = Math.max(levels, l + 1);
        range.candidate.push(i);
        range.first.push(l * bins + a);
        range.second.push(l * bins + b - 2 ** l + 1);
        range.weight.push(weight);
      }
    }
  });
  return {
    lerp: { candidate: Int32Array.from(lerp.candidate), lo: Int32Array.from(lerp.lo), frac: Float64Array.from(lerp.frac), weight: Float64Array.from(lerp.weight) },
    range: { candidate: Int32Array.from(range.candidate), first: Int32Array.from(range.first), second: Int32Array.from(range.second), weight: Float64Array.from(range.weight) },
    levels,
  };
}

/** Reusable buffers for many notes (one per report; never shared between concurrent builds). */
export class NotePitchEstimator {
  private readonly o: Required<NotePitchOptions>;
  private readonly fft = new RealFftPlan(FFT_SIZE);
  private readonly scratch = this.fft.createScratch();
  private readonly frame = new Float64Array(FFT_SIZE);
  private readonly after = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly before = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly compressed = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly candidates: Float64Array;
  /** Where the salience of every candidate reads the spectrum (salienceTable). */
  private readonly salience: ReturnType<typeof salienceTable>;
  private readonly scores: Float64Array;
  /** Sparse table of range maxima of the compressed spectrum: level l holds max(comp[k .. k + 2^l - 1]). */
  private readonly rangeMax: Float64Array;
  /** The full-length window (most notes), and the last shorter one used (after and before spectra share it). */
  private readonly fullWindow = periodicHann(FFT_SIZE);
  private shortWindow: Float64Array = new Float64Array(0);
  /** Full-length frames (most notes) go through the WebAssembly SIMD transform where available. */
  private readonly kernel: PowerSpectrumKernel | null;

  constructor(options: NotePitchOptions = {}) {
    this.o = { sampleRate: SAMPLE_RATE, ...NOTE_PITCH_DEFAULTS, ...options };
    const steps = Math.floor(96 * Math.log2(this.o.fMaxHz / this.o.fMinHz));
    this.candidates = new Float64Array(steps + 1);
    for (let i = 0; i <= steps; i++) this.candidates[i] = this.o.fMinHz * 2 ** (i / 96);
    this.salience = salienceTable(this.candidates, this.o.sampleRate / FFT_SIZE, FFT_SIZE / 2 + 1);
    this.rangeMax = new Float64Array(this.salience.levels * (FFT_SIZE / 2 + 1));
    this.scores = new Float64Array(this.candidates.length);
    this.kernel = this.o.fft === 'js' ? null : PowerSpectrumKernel.create(FFT_SIZE, this.fullWindow);
  }

  private spectrum(source: Float32Array, start: number, length: number, out: Float64Array): void {
    if (length === FFT_SIZE && this.kernel !== null) {
      const frame = this.kernel.frame;
      if (start >= 0 && start + length <= source.length) frame.set(source.subarray(start, start + length));
      else for (let i = 0; i < length; i++) frame[i] = start + i >= 0 && start + i < source.length ? source[start + i] : 0;
      const power = this.kernel.powerOfFrame();
      for (let k = 0; k < out.length; k++) out[k] = Math.sqrt(power[k]);
      return;
    }
    if (length !== FFT_SIZE && this.shortWindow.length !== length) this.shortWindow = periodicHann(length);
    const win = length === FFT_SIZE ? this.fullWindow : this.shortWindow;
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
    const binHz = sr / FFT_SIZE;
    let any = 0;
    for (let k = 0; k < bins; k++) {
      const v = Math.max(0, fresh[k] - this.before[k]);
      fresh[k] = v;
      any += v;
    }
    if (!(any > 0)) return { pitch: null, harmonicity: 0 };
    // Salience of each f0 candidate (Klapuri 2006): the strongest bin near each harmonic up to 5 kHz, weighted
    // by (f0 + 27) / (h·f0 + 320), on magnitudes compressed to the 4th root (a cheap spectral whitening). The
    // compression stops a few strong partials (a missing fundamental behind a phone mic's high-pass, a pickup's
    // comb notches, a bass note's energy far up at its 10th-30th partials) from outvoting the harmonic pattern.
    const comp = this.compressed;
    // Bins more than 60 dB under the strongest one are leakage/noise: zero, so that compressing cannot lift them.
    let peak = 0;
    for (let k = 0; k < bins; k++) if (fresh[k] > peak) peak = fresh[k];
    const floor = peak * SALIENCE_FLOOR;
    for (let k = 0; k < bins; k++) comp[k] = fresh[k] > floor ? Math.sqrt(Math.sqrt(fresh[k] - floor)) : 0;
    const { lerp, range, levels } = this.salience;
    const table = this.rangeMax;
    table.set(comp);
    for (let l = 1; l < levels; l++) {
      const row = l * bins;
      const prev = row - bins;
      const step = 1 << (l - 1);
      for (let k = 0; k < bins; k++) {
        const a = table[prev + k];
        const b = k + step < bins ? table[prev + k + step] : 0;
        table[row + k] = a > b ? a : b;
      }
    }
    const scores = this.scores;
    scores.fill(0);
    for (let e = 0; e < lerp.lo.length; e++) {
      const k = lerp.lo[e];
      scores[lerp.candidate[e]] += lerp.weight[e] * (comp[k] + lerp.frac[e] * (comp[k + 1] - comp[k]));
    }
    for (let e = 0; e < range.first.length; e++) {
      const a = table[range.first[e]];
      const b = table[range.second[e]];
      scores[range.candidate[e]] += range.weight[e] * (a > b ? a : b);
    }
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] > bestScore) {
        bestScore = scores[i];
        best = i;
      }
    }
    // Octave check: when the spectrum has real partials at the odd multiples of f0/2 (3f0/2, 5f0/2, ...), the
    // note is f0/2 with a weak fundamental (phone mics, pickups) and the salience favoured its 2nd harmonic.
    const halfIndex = best - 96;
    if (halfIndex >= 0 && this.oddToEvenRatio(fresh, this.candidates[best] / 2, binHz) >= OCTAVE_ODD_RATIO) best = halfIndex;
    const f0 = this.refine(fresh, this.candidates[best], binHz);
    // Harmonicity: the share of the new energy between f0/2 and (HARMONICS + 1/2)·f0 that lies on the harmonics
    // (±3%, at least the window's main lobe). Limited to that band so that a bass note's partials above its 12th
    // harmonic do not count against it (with the whole spectrum as reference, low notes read as unpitched).
    const lobe = (2 * FFT_SIZE) / length;
    const bandLo = Math.max(0, Math.floor((0.5 * f0) / binHz));
    const bandHi = Math.min(bins - 1, Math.ceil(((HARMONICS + 0.5) * f0) / binHz));
    let onHarmonics = 0;
    let total = 0;
    for (let k = bandLo; k <= bandHi; k++) total += fresh[k];
    let lastHi = -1;
    for (let h = 1; h <= HARMONICS; h++) {
      const c = (h * f0) / binHz;
      if (c >= bandHi) break;
      const half = Math.max(0.03 * c, lobe);
      const lo = Math.max(lastHi + 1, Math.floor(c - half));
      const hi = Math.min(bandHi, Math.ceil(c + half));
      for (let k = lo; k <= hi; k++) onHarmonics += fresh[k];
      lastHi = hi;
    }
    const harmonicity = total > 0 ? Math.min(1, onHarmonics / total) : 0;
    if (harmonicity < minHarmonicity || !(f0 >= fMinHz * 0.97 && f0 <= fMaxHz * 1.03)) return { pitch: null, harmonicity };
    const midi = Math.round(hzToMidiFloat(f0));
    return { pitch: { hz: f0, midi, name: midiToName(midi) }, harmonicity };
  }

  /** Sum of the spectrum at odd multiples of `sub` over the sum at its even multiples (first 16, up to 5 kHz). */
  private oddToEvenRatio(spec: Float64Array, sub: number, binHz: number): number {
    let odd = 0;
    let even = 0;
    for (let j = 1; j <= 16 && j * sub <= SALIENCE_MAX_HZ; j++) {
      const c = (j * sub) / binHz;
      const half = Math.max(0.5, 0.01 * c);
      const hi = Math.min(spec.length - 1, Math.round(c + half));
      let m = 0;
      for (let k = Math.max(0, Math.round(c - half)); k <= hi; k++) if (spec[k] > m) m = spec[k];
      if (j % 2 === 1) odd += m;
      else even += m;
    }
    return even > 0 ? odd / even : 0;
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
