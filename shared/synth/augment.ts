/**
 * Clip augmentation for training data: what changes between a studio and a bedroom, and between guitars,
 * without changing what makes a note clean, buzzy or muted.
 *
 * The seed project's augmentations (Gaussian noise, ±12 dB gain, high-pass, low-pass at p=0.8) are kept, but
 * bounded so the classes stay distinguishable: the noise is capped relative to the note (SNR >= ~20 dB), the
 * high-pass never removes the whole low register (40-400 Hz; the seed's 400-800 Hz removed the fundamental of
 * every note below G4), the low-pass stays above 5.5 kHz so the buzz sizzle (2-6 kHz) survives.
 * On top: a microphone/room colouring EQ, a short room reverb, background noise (mains hum, hiss, room tone)
 * at realistic SNRs, onset jitter inside the 2 s window and occasional level clipping.
 * Every applied step is returned with its parameters (recorded in the dataset manifest).
 */
import { SAMPLE_RATE } from '../constants';
import { Rng } from '../rng';
import { applyBiquad, BiquadDesign, dbToGain, designBiquad, peakAbs, rmsOf } from './filters';
import { applyRoom, RoomParams } from './room';

export interface AppliedAugmentation {
  name: string;
  [param: string]: unknown;
}

export interface AugmentOptions {
  rng: Rng;
  sampleRate?: number;
  /** Sample index of the note's onset in the clip (jitter keeps it inside the window). Default 0.1 s. */
  onsetSample?: number;
  /** Maximum onset shift, seconds (default 0.03). */
  maxJitterSec?: number;
  /** Probability of each step (defaults below); set a step to 0 to disable it. */
  probabilities?: Partial<Record<AugmentationName, number>>;
}

export type AugmentationName = 'jitter' | 'mic-eq' | 'room' | 'highpass' | 'lowpass' | 'compress' | 'drive' | 'gain' | 'background' | 'gaussian-noise' | 'clip';

export const DEFAULT_AUGMENT_PROBABILITIES: Readonly<Record<AugmentationName, number>> = {
  jitter: 0.8,
  'mic-eq': 0.6,
  room: 0.3,
  highpass: 0.5,
  lowpass: 0.5,
  compress: 0.2,
  drive: 0.1,
  gain: 0.8,
  background: 0.6,
  'gaussian-noise': 0.8,
  clip: 0.08,
};

/** RMS of the loudest 100 ms of the clip: the note's level, for SNR-relative noise. */
function signalLevel(x: Float32Array, sampleRate: number): number {
  const w = Math.max(1, Math.round(0.1 * sampleRate));
  let best = 0;
  for (let s = 0; s + w <= x.length; s += w >> 1) best = Math.max(best, rmsOf(x, s, s + w));
  return best || rmsOf(x);
}

export interface CompressorParams {
  ratio: number;
  /** Relative to the clip's peak, dB. */
  thresholdDb: number;
  attackSec: number;
  releaseSec: number;
}

/** Compresses `x` in place, keeping its peak level (make-up gain). */
export function compress(x: Float32Array, c: CompressorParams, sampleRate: number): void {
  const peak = peakAbs(x);
  if (peak === 0) return;
  const threshold = peak * dbToGain(c.thresholdDb);
  const att = Math.exp(-1 / (c.attackSec * sampleRate)), rel = Math.exp(-1 / (c.releaseSec * sampleRate));
  let env = 0, outPeak = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    env = a > env ? att * env + (1 - att) * a : rel * env + (1 - rel) * a;
    const g = env > threshold ? Math.pow(env / threshold, 1 / c.ratio - 1) : 1;
    x[i] *= g;
    outPeak = Math.max(outPeak, Math.abs(x[i]));
  }
  const makeup = outPeak > 0 ? peak / outPeak : 1;
  for (let i = 0; i < x.length; i++) x[i] *= makeup;
}

/**
 * Pitch shift by resampling (the sound plays faster or slower, as a sampler does), about the onset so the attack
 * stays at `onsetSample`; what runs out at the end is left silent. Low-passed first when shifting up (no aliasing).
 */
export function resamplePitch(x: Float32Array, semitones: number, onsetSample: number, sampleRate = SAMPLE_RATE): Float32Array {
  const ratio = Math.pow(2, semitones / 12);
  let src = x;
  if (ratio > 1) {
    src = x.slice();
    const lp = designBiquad({ kind: 'lowpass', freq: (0.45 * sampleRate) / ratio, q: 0.7 }, sampleRate);
    applyBiquad(src, lp);
    applyBiquad(src, lp);
  }
  const y = new Float32Array(x.length);
  for (let i = 0; i < y.length; i++) {
    const t = onsetSample + (i - onsetSample) * ratio;
    const k = Math.floor(t);
    if (k < 1 || k + 2 >= src.length) continue;
    // Catmull-Rom cubic interpolation.
    const f = t - k, p0 = src[k - 1], p1 = src[k], p2 = src[k + 1], p3 = src[k + 2];
    y[i] = p1 + 0.5 * f * (p2 - p0 + f * (2 * p0 - 5 * p1 + 4 * p2 - p3 + f * (3 * (p1 - p2) + p3 - p0)));
  }
  return y;
}

/** Returns an augmented copy of `samples` and the list of applied steps (in order). */
export function augmentClip(samples: Float32Array, options: AugmentOptions): { samples: Float32Array; applied: AppliedAugmentation[] } {
  if (!(samples instanceof Float32Array)) throw new TypeError('augmentClip: samples must be a Float32Array');
  const { rng } = options;
  if (!(rng instanceof Rng)) throw new TypeError('augmentClip: options.rng must be an Rng');
  const sr = options.sampleRate ?? SAMPLE_RATE;
  const prob = { ...DEFAULT_AUGMENT_PROBABILITIES, ...(options.probabilities ?? {}) };
  const applied: AppliedAugmentation[] = [];
  let x = samples.slice();
  const n = x.length;

  // Every on/off decision is drawn first, in a fixed order, so the choices do not depend on each other's draws.
  const order = Object.keys(DEFAULT_AUGMENT_PROBABILITIES) as AugmentationName[];
  const decided = new Map(order.map((name) => [name, rng.next() < prob[name]] as const));
  const use = (name: AugmentationName) => decided.get(name) === true;

  if (use('jitter')) {
    const maxShift = Math.round((options.maxJitterSec ?? 0.03) * sr);
    const onset = options.onsetSample ?? Math.round(0.1 * sr);
    const shift = Math.max(-onset, rng.int(-maxShift, maxShift));
    if (shift !== 0) {
      const y = new Float32Array(n);
      if (shift > 0) {
        y.set(x.subarray(0, n - shift), shift);
        // Fill the gap with the clip's own pre-onset noise so the start does not go digitally silent.
        for (let i = 0; i < shift; i++) y[i] = x[(i % Math.max(1, onset)) | 0];
      } else {
        y.set(x.subarray(-shift), 0);
        for (let i = n + shift; i < n; i++) y[i] = x[n - 1 - ((i - (n + shift)) % Math.max(1, -shift))];
      }
      x = y;
    }
    applied.push({ name: 'jitter', shiftSec: shift / sr });
  }
  if (use('mic-eq')) {
    const eq: BiquadDesign[] = [
      { kind: 'peak', freq: rng.logUniform(150, 800), q: rng.uniform(0.5, 2), gainDb: rng.uniform(-6, 6) },
      { kind: 'peak', freq: rng.logUniform(800, 5000), q: rng.uniform(0.5, 3), gainDb: rng.uniform(-6, 6) },
      { kind: 'highshelf', freq: rng.uniform(4000, 8000), q: 0.7, gainDb: rng.uniform(-6, 3) },
    ];
    for (const d of eq) applyBiquad(x, designBiquad(d, sr));
    applied.push({ name: 'mic-eq', filters: eq });
  }
  if (use('room')) {
    const room: RoomParams = { rt60: rng.uniform(0.15, 0.9), wet: rng.uniform(0.05, 0.35), size: rng.uniform(0.5, 1.5), damping: rng.uniform(0.1, 0.6) };
    applyRoom(x, room, sr);
    applied.push({ name: 'room', ...room });
  }
  if (use('highpass')) {
    const freq = rng.logUniform(40, 400);
    applyBiquad(x, designBiquad({ kind: 'highpass', freq, q: 0.7 }, sr));
    applied.push({ name: 'highpass', freq });
  }
  if (use('lowpass')) {
    const freq = rng.uniform(5500, 8000);
    applyBiquad(x, designBiquad({ kind: 'lowpass', freq, q: 0.7 }, sr));
    applied.push({ name: 'lowpass', freq });
  }
  if (use('compress')) {
    // A feed-forward compressor (peak follower, fast attack, slow release): pedals, interfaces and phone
    // recorders lift the body of a note relative to its attack.
    const ratio = rng.uniform(2, 6);
    const thresholdDb = rng.uniform(-24, -8);
    const attackSec = rng.uniform(0.001, 0.01), releaseSec = rng.uniform(0.05, 0.3);
    compress(x, { ratio, thresholdDb, attackSec, releaseSec }, sr);
    applied.push({ name: 'compress', ratio, thresholdDb, attackSec, releaseSec });
  }
  if (use('drive')) {
    // Light amp distortion: a soft (tanh) overdrive of a few dB, then the cabinet's low-pass. Applied to every class
    // alike, so its extra harmonics cannot stand for buzz.
    const driveDb = rng.uniform(2, 10);
    const cabinetHz = rng.uniform(3500, 7000);
    const peak = peakAbs(x) || 1;
    const k = dbToGain(driveDb) / peak;
    const norm = peak / Math.tanh(k * peak);
    for (let i = 0; i < n; i++) x[i] = norm * Math.tanh(k * x[i]);
    applyBiquad(x, designBiquad({ kind: 'lowpass', freq: cabinetHz, q: 0.8 }, sr));
    applied.push({ name: 'drive', driveDb, cabinetHz });
  }
  if (use('gain')) {
    // ±12 dB, but never boosting the peak past 0 dBFS (clipping is its own, rarer, step).
    const peak = peakAbs(x) || 1;
    const gainDb = Math.min(rng.uniform(-12, 12), 20 * Math.log10(0.98 / peak));
    const g = dbToGain(gainDb);
    for (let i = 0; i < n; i++) x[i] *= g;
    applied.push({ name: 'gain', gainDb });
  }
  const level = signalLevel(x, sr);
  if (use('background')) {
    const kind = rng.pick(['hum', 'hiss', 'room-tone'] as const);
    const snrDb = rng.uniform(18, 45);
    const target = level * dbToGain(-snrDb);
    const bg = new Float32Array(n);
    if (kind === 'hum') {
      const mains = rng.pick([50, 60]);
      const phase = rng.uniform(0, 2 * Math.PI);
      const h2 = rng.uniform(0.2, 0.8), h3 = rng.uniform(0.1, 0.6);
      // Three harmonics by complex rotation (no trigonometry per sample).
      const w = (2 * Math.PI * mains) / sr;
      const c1 = Math.cos(w), s1 = Math.sin(w), c2 = Math.cos(2 * w), s2 = Math.sin(2 * w), c3 = Math.cos(3 * w), s3 = Math.sin(3 * w);
      let r1 = Math.cos(phase), i1 = Math.sin(phase), r2 = 1, i2 = 0, r3 = Math.cos(phase), i3 = Math.sin(phase);
      for (let i = 0; i < n; i++) {
        bg[i] = i1 + h2 * i2 + h3 * i3;
        const a1 = r1 * c1 - i1 * s1; i1 = r1 * s1 + i1 * c1; r1 = a1;
        const a2 = r2 * c2 - i2 * s2; i2 = r2 * s2 + i2 * c2; r2 = a2;
        const a3 = r3 * c3 - i3 * s3; i3 = r3 * s3 + i3 * c3; r3 = a3;
      }
      const scale = target / (rmsOf(bg) || 1);
      for (let i = 0; i < n; i++) x[i] += scale * bg[i];
      applied.push({ name: 'background', kind, mains, snrDb });
    } else {
      for (let i = 0; i < n; i++) bg[i] = 2 * rng.next() - 1;
      if (kind === 'room-tone') {
        // Rumble-heavy: low-passed noise (ventilation, traffic).
        applyBiquad(bg, designBiquad({ kind: 'lowpass', freq: rng.uniform(200, 800), q: 0.7 }, sr));
      } else {
        applyBiquad(bg, designBiquad({ kind: 'highpass', freq: 1000, q: 0.7 }, sr));
      }
      const scale = target / (rmsOf(bg) || 1);
      for (let i = 0; i < n; i++) x[i] += scale * bg[i];
      applied.push({ name: 'background', kind, snrDb });
    }
  }
  if (use('gaussian-noise')) {
    // The seed's std range, capped at 20 dB below the note so a quiet note is not buried.
    const std = Math.min(rng.uniform(0.001, 0.005), level * 0.1);
    // Irwin-Hall(4) approximation of a Gaussian: 4 uniforms per sample instead of a log, a root and a sine.
    const k = std * Math.sqrt(3);
    for (let i = 0; i < n; i++) x[i] += k * (rng.next() + rng.next() + rng.next() + rng.next() - 2);
    applied.push({ name: 'gaussian-noise', std });
  }
  if (use('clip')) {
    // Input-stage overload: the loudest 1-6 dB of the attack are flattened.
    const peak = peakAbs(x) || 1;
    const overDb = rng.uniform(1, 6);
    const threshold = peak * dbToGain(-overDb);
    const soft = rng.chance(0.5);
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (soft) x[i] = threshold * Math.tanh(v / threshold);
      else x[i] = v > threshold ? threshold : v < -threshold ? -threshold : v;
    }
    applied.push({ name: 'clip', overDb, soft });
  }
  return { samples: x, applied };
}
