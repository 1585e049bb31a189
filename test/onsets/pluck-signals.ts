/**
 * A second, independent take generator for onset tests (Karplus–Strong plucks), so the detector is not tuned
 * to one synthesiser (the data helper's synthesizeTake). Exact onsets, deterministic by seed.
 */
import { Rng } from '../../shared/rng';

export const SR = 22050;

export type PluckCondition = 'spaced' | 'fast-run' | 'soft-after-loud' | 'legato' | 'overlapping' | 'quiet' | 'noisy' | 'silence-edges';

/** One plucked note: Karplus–Strong with a lowpass loop filter; `decaySec` ~ time to -60 dB. */
export function pluck(options: { hz: number; seconds: number; rng: Rng; decaySec?: number; brightness?: number; sampleRate?: number }): Float32Array {
  const sr = options.sampleRate ?? SR;
  const n = Math.round(options.seconds * sr);
  const period = Math.max(2, Math.round(sr / options.hz));
  const decaySec = options.decaySec ?? 2;
  const brightness = options.brightness ?? 0.5;
  // Loop gain per period giving -60 dB after decaySec.
  const g = Math.pow(10, -3 / ((decaySec * sr) / period));
  const line = new Float64Array(period);
  let prev = 0;
  for (let i = 0; i < period; i++) {
    const v = options.rng.uniform(-1, 1);
    line[i] = brightness * v + (1 - brightness) * prev; // pick brightness: lowpassed excitation
    prev = line[i];
  }
  const out = new Float32Array(n);
  let idx = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const cur = line[idx];
    out[i] = cur;
    const next = g * 0.5 * (cur + last);
    last = cur;
    line[idx] = next;
    idx = (idx + 1) % period;
  }
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(out[i]));
  if (peak > 0) for (let i = 0; i < n; i++) out[i] /= peak;
  return out;
}

export interface PluckTake {
  samples: Float32Array;
  onsets: number[];
  midis: number[];
}

export function pluckTake(options: { seconds: number; seed: number; condition: PluckCondition }): PluckTake {
  const rng = new Rng(options.seed);
  const { seconds, condition } = options;
  const total = Math.round(seconds * SR);
  const y = new Float32Array(total);
  const onsets: number[] = [];
  const midis: number[] = [];
  const lead = condition === 'silence-edges' ? 2 : 0.3;
  const tailSilence = condition === 'silence-edges' ? 2 : 0.5;
  let t = lead + rng.uniform(0, 0.2);
  let i = 0;
  while (t < seconds - tailSilence) {
    const gap =
      condition === 'fast-run' ? rng.uniform(0.12, 0.2) : condition === 'legato' ? rng.uniform(0.15, 0.4) : condition === 'overlapping' ? rng.uniform(0.2, 0.6) : rng.uniform(0.25, 1.2);
    const midi = condition === 'fast-run' || condition === 'legato' ? 52 + rng.int(0, 24) : 40 + rng.int(0, 36);
    let amp = rng.uniform(0.4, 0.9);
    if (condition === 'soft-after-loud') amp = i % 2 === 0 ? 0.9 : rng.uniform(0.05, 0.12);
    const ring = condition === 'overlapping' ? 3 : condition === 'legato' || condition === 'fast-run' ? gap + 0.02 : rng.uniform(0.6, 2);
    const note = pluck({ hz: 440 * 2 ** ((midi - 69) / 12), seconds: ring, rng, decaySec: condition === 'overlapping' ? 4 : 1.5, brightness: condition === 'legato' ? 0.25 : rng.uniform(0.4, 0.9) });
    const start = Math.round(t * SR);
    // Legato/fast runs: the previous note is damped as the next begins (short release, no silence between).
    const fadeLen = Math.round(0.01 * SR);
    for (let k = 0; k < note.length && start + k < total; k++) {
      const release = k > note.length - fadeLen ? (note.length - k) / fadeLen : 1;
      y[start + k] += amp * note[k] * release;
    }
    onsets.push(start / SR);
    midis.push(midi);
    t += gap;
    i++;
  }
  const gain = condition === 'quiet' ? 0.01 : 1;
  for (let k = 0; k < total; k++) y[k] *= gain;
  if (condition === 'noisy') for (let k = 0; k < total; k++) y[k] += 0.02 * rng.gaussian();
  return { samples: y, onsets, midis };
}
