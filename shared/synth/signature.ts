/**
 * Coarse, class-level acoustic signature of one note clip: how loud the body is relative to the attack, how fast
 * it decays, how much "sizzle" (2-8 kHz) rides on the harmonic band (80-2000 Hz) over time, how noise-like the
 * spectrum is, how bright the attack is, and whether the sizzle pulses at a pitch period.
 *
 * Used to compare generated notes with recorded ones by distributions per class (bench/realism.ts) and to hold
 * the synthesiser's buzz and mute signatures in tests. Deliberately simple: never a classifier, never tuned on
 * single clips.
 */
import { SAMPLE_RATE } from '../constants';
import { energyRiseOnset } from '../dataset/import';
import { RealFftPlan } from '../features/fft';
import { periodicHann } from '../features/spectrogram';

const FFT_SIZE = 1024;
const HOP = 256;

/** Analysis windows, seconds after the onset: attack, early body, body, late body, tail. */
export const SIGNATURE_WINDOWS: readonly (readonly [number, number])[] = [
  [0, 0.05],
  [0.05, 0.2],
  [0.2, 0.5],
  [0.5, 1.0],
  [1.0, 1.8],
];

export const SIZZLE_BAND_HZ = [2000, 8000] as const;
export const HARMONIC_BAND_HZ = [80, 2000] as const;

export interface NoteSignature {
  onsetSec: number;
  /** RMS of the first 50 ms after the onset, dBFS. */
  attackDb: number;
  /** RMS of 0.1-0.5 s after the onset minus the attack's, dB (a full-level note: around -3..-12 dB). */
  bodyVsAttackDb: number;
  /** Seconds after the onset until the 10 ms RMS envelope last exceeds peak -20 dB / -40 dB. */
  decay20Sec: number;
  decay40Sec: number;
  /** Per SIGNATURE_WINDOWS: 10 log10(energy 2-8 kHz / energy 80-2000 Hz). */
  sizzleDb: number[];
  /** Per SIGNATURE_WINDOWS: spectral flatness (geometric / arithmetic mean power) over 80-8000 Hz. */
  flatness: number[];
  /** Spectral centroid of the first 150 ms, Hz. */
  centroidHz: number;
  /**
   * Periodicity of the sizzle band's envelope over 0.05-0.5 s: the best normalised autocorrelation at a lag of
   * 1/1400..1/70 s. A rattle struck once per vibration is pitch-synchronous (high); hiss is not (low).
   */
  sizzlePeriodicity: number;
}

function db(x: number): number {
  return 10 * Math.log10(Math.max(x, 1e-20));
}

/** Envelope RMS in 10 ms frames from `start`. */
export function rmsFrames(x: Float32Array, start: number, sr: number): Float64Array {
  const frame = Math.round(0.01 * sr);
  const n = Math.max(0, Math.floor((x.length - start) / frame));
  const env = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let i = start + f * frame; i < start + (f + 1) * frame; i++) s += x[i] * x[i];
    env[f] = Math.sqrt(s / frame);
  }
  return env;
}

function rmsDb(x: Float32Array, from: number, to: number): number {
  const a = Math.max(0, from), b = Math.min(x.length, to);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return db(b > a ? s / (b - a) : 0);
}

/** Second-order-section-free band split for the periodicity measure: 4 cascaded one-pole high-passes at `hz`. */
function highPassed(x: Float32Array, from: number, to: number, hz: number, sr: number): Float64Array {
  const a = Math.exp((-2 * Math.PI * hz) / sr);
  const y = new Float64Array(Math.max(0, to - from));
  const xs = [0, 0, 0, 0], ys = [0, 0, 0, 0];
  for (let i = from; i < to; i++) {
    let v = x[i];
    for (let k = 0; k < 4; k++) {
      const h = a * (ys[k] + v - xs[k]);
      xs[k] = v;
      ys[k] = h;
      v = h;
    }
    y[i - from] = v;
  }
  return y;
}

function envelopePeriodicity(band: Float64Array, sr: number): number {
  // Rectify and smooth (~0.3 ms) to the envelope, then remove its slow trend (a centred 25 ms moving average,
  // longer than the longest period): a decaying envelope alone would correlate at every lag.
  const k = Math.exp(-1 / (0.0003 * sr));
  const raw = new Float64Array(band.length);
  let s = 0;
  for (let i = 0; i < band.length; i++) {
    s = k * s + (1 - k) * Math.abs(band[i]);
    raw[i] = s;
  }
  const half = Math.round(0.0125 * sr);
  const prefix = new Float64Array(raw.length + 1);
  for (let i = 0; i < raw.length; i++) prefix[i + 1] = prefix[i] + raw[i];
  const env = new Float64Array(raw.length);
  let energy = 0;
  for (let i = 0; i < raw.length; i++) {
    const a = Math.max(0, i - half), b = Math.min(raw.length, i + half + 1);
    env[i] = raw[i] - (prefix[b] - prefix[a]) / (b - a);
    energy += env[i] * env[i];
  }
  if (energy === 0) return 0;
  let best = 0;
  for (let lag = Math.floor(sr / 1400); lag <= Math.ceil(sr / 70) && lag < env.length / 2; lag++) {
    let r = 0;
    for (let i = 0; i + lag < env.length; i++) r += env[i] * env[i + lag];
    // Unbiased for the overlap length so long lags are not penalised.
    r = (r / energy) * (env.length / (env.length - lag));
    if (r > best) best = r;
  }
  return Math.min(best, 1);
}

/** Measures a mono clip; `onsetSec` defaults to the energy-rise onset (or 0 for silence). */
export function noteSignature(x: Float32Array, options: { sampleRate?: number; onsetSec?: number } = {}): NoteSignature {
  const sr = options.sampleRate ?? SAMPLE_RATE;
  const onsetSec = options.onsetSec ?? energyRiseOnset(x, sr) ?? 0;
  const onset = Math.round(onsetSec * sr);
  const at = (sec: number) => onset + Math.round(sec * sr);
  const attackDb = rmsDb(x, onset, at(0.05));
  const bodyVsAttackDb = rmsDb(x, at(0.1), at(0.5)) - attackDb;

  const env = rmsFrames(x, onset, sr);
  let peak = 0;
  for (const v of env) peak = Math.max(peak, v);
  const lastAbove = (dropDb: number) => {
    const t = peak * Math.pow(10, -dropDb / 20);
    let last = -1;
    for (let f = 0; f < env.length; f++) if (env[f] > t) last = f;
    return (last + 1) * 0.01;
  };

  const plan = new RealFftPlan(FFT_SIZE);
  const scratch = plan.createScratch();
  const window = periodicHann(FFT_SIZE);
  const power = new Float64Array(plan.bins);
  const bin = (hz: number) => Math.round((hz * FFT_SIZE) / sr);
  const [s0, s1] = SIZZLE_BAND_HZ.map(bin);
  const [h0, h1] = HARMONIC_BAND_HZ.map(bin);
  const sizzleDb: number[] = [];
  const flatness: number[] = [];
  for (const [from, to] of SIGNATURE_WINDOWS) {
    let hi = 0, harm = 0, logSum = 0, linSum = 0, count = 0;
    for (let start = at(from) - FFT_SIZE / 2; start + FFT_SIZE / 2 < at(to); start += HOP) {
      if (start < 0 || start + FFT_SIZE > x.length) continue;
      plan.powerSpectrumWindowed(x, start, window, power, scratch);
      let fl = 0, fa = 0;
      for (let k = h0; k <= s1; k++) {
        if (k >= s0) hi += power[k];
        if (k < h1) harm += power[k];
        fl += Math.log(power[k] + 1e-20);
        fa += power[k];
      }
      const bins = s1 - h0 + 1;
      logSum += fl / bins;
      linSum += Math.log(fa / bins + 1e-20);
      count++;
    }
    sizzleDb.push(count ? db(hi) - db(harm) : NaN);
    flatness.push(count ? Math.exp((logSum - linSum) / count) : NaN);
  }

  // Centroid of the first 150 ms.
  let num = 0, den = 0;
  for (let start = onset; start + FFT_SIZE <= Math.min(x.length, at(0.15) + FFT_SIZE / 2); start += HOP) {
    plan.powerSpectrumWindowed(x, start, window, power, scratch);
    for (let k = 1; k < plan.bins; k++) {
      num += power[k] * ((k * sr) / FFT_SIZE);
      den += power[k];
    }
  }
  const from = Math.min(x.length, at(0.05)), to = Math.min(x.length, at(0.5));
  const sizzlePeriodicity = to - from > sr * 0.05 ? envelopePeriodicity(highPassed(x, from, to, SIZZLE_BAND_HZ[0], sr), sr) : 0;
  return {
    onsetSec,
    attackDb,
    bodyVsAttackDb,
    decay20Sec: lastAbove(20),
    decay40Sec: lastAbove(40),
    sizzleDb,
    flatness,
    centroidHz: den > 0 ? num / den : 0,
    sizzlePeriodicity,
  };
}
