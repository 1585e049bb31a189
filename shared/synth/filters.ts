/**
 * Small IIR building blocks for the synthesiser and the augmenter: RBJ-cookbook biquads applied in place,
 * one-pole smoothing. Every loop runs over typed arrays with no per-sample allocation.
 */

/** Normalised biquad coefficients (a0 = 1): y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2. */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export type BiquadKind = 'lowpass' | 'highpass' | 'bandpass' | 'peak' | 'lowshelf' | 'highshelf';

export interface BiquadDesign {
  kind: BiquadKind;
  /** Centre / corner frequency in Hz (clamped below Nyquist). */
  freq: number;
  q?: number;
  /** Gain in dB for peak and shelf filters. */
  gainDb?: number;
}

/** RBJ Audio-EQ-Cookbook biquad design. */
export function designBiquad(design: BiquadDesign, sampleRate: number): Biquad {
  const { kind } = design;
  const q = design.q ?? Math.SQRT1_2;
  const f = Math.min(Math.max(design.freq, 1), sampleRate * 0.49);
  if (!(q > 0)) throw new TypeError(`designBiquad: q must be > 0, got ${q}`);
  const w0 = (2 * Math.PI * f) / sampleRate;
  const cos = Math.cos(w0);
  const sin = Math.sin(w0);
  const alpha = sin / (2 * q);
  const A = Math.pow(10, (design.gainDb ?? 0) / 40);
  let b0: number, b1: number, b2: number, a0: number, a1: number, a2: number;
  switch (kind) {
    case 'lowpass':
      b0 = (1 - cos) / 2; b1 = 1 - cos; b2 = (1 - cos) / 2;
      a0 = 1 + alpha; a1 = -2 * cos; a2 = 1 - alpha;
      break;
    case 'highpass':
      b0 = (1 + cos) / 2; b1 = -(1 + cos); b2 = (1 + cos) / 2;
      a0 = 1 + alpha; a1 = -2 * cos; a2 = 1 - alpha;
      break;
    case 'bandpass': // constant 0 dB peak gain
      b0 = alpha; b1 = 0; b2 = -alpha;
      a0 = 1 + alpha; a1 = -2 * cos; a2 = 1 - alpha;
      break;
    case 'peak':
      b0 = 1 + alpha * A; b1 = -2 * cos; b2 = 1 - alpha * A;
      a0 = 1 + alpha / A; a1 = -2 * cos; a2 = 1 - alpha / A;
      break;
    case 'lowshelf': {
      const s = 2 * Math.sqrt(A) * alpha;
      b0 = A * (A + 1 - (A - 1) * cos + s); b1 = 2 * A * (A - 1 - (A + 1) * cos); b2 = A * (A + 1 - (A - 1) * cos - s);
      a0 = A + 1 + (A - 1) * cos + s; a1 = -2 * (A - 1 + (A + 1) * cos); a2 = A + 1 + (A - 1) * cos - s;
      break;
    }
    case 'highshelf': {
      const s = 2 * Math.sqrt(A) * alpha;
      b0 = A * (A + 1 + (A - 1) * cos + s); b1 = -2 * A * (A - 1 + (A + 1) * cos); b2 = A * (A + 1 + (A - 1) * cos - s);
      a0 = A + 1 - (A - 1) * cos + s; a1 = 2 * (A - 1 - (A + 1) * cos); a2 = A + 1 - (A - 1) * cos - s;
      break;
    }
    default:
      throw new TypeError(`designBiquad: unknown kind '${String(kind)}'`);
  }
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 };
}

/** Filters `x` in place (direct form I, zero initial state). */
export function applyBiquad(x: Float32Array, c: Biquad, start = 0, end = x.length): void {
  const { b0, b1, b2, a1, a2 } = c;
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = start; i < end; i++) {
    const xi = x[i];
    let y = b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    if (y > -1e-25 && y < 1e-25) y = 0; // flush denormals: they make long decays very slow
    x2 = x1; x1 = xi; y2 = y1; y1 = y;
    x[i] = y;
  }
}

/** Filters `input` through `c` and adds `gain` times the result into `out` (parallel filter banks). */
export function addBiquad(input: Float32Array, c: Biquad, gain: number, out: Float32Array, start = 0, end = input.length): void {
  const { b0, b1, b2, a1, a2 } = c;
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = start; i < end; i++) {
    const xi = input[i];
    let y = b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    if (y > -1e-25 && y < 1e-25) y = 0;
    x2 = x1; x1 = xi; y2 = y1; y1 = y;
    out[i] += gain * y;
  }
}

/** Applies a chain of biquad designs in place. */
export function applyFilterChain(x: Float32Array, designs: readonly BiquadDesign[], sampleRate: number): void {
  for (const d of designs) applyBiquad(x, designBiquad(d, sampleRate), 0, x.length);
}

/** Magnitude response of a biquad at `freq` Hz (for tests and level calibration). */
export function biquadMagnitude(c: Biquad, freq: number, sampleRate: number): number {
  const w = (2 * Math.PI * freq) / sampleRate;
  const cr = Math.cos(w), ci = -Math.sin(w), c2r = Math.cos(2 * w), c2i = -Math.sin(2 * w);
  const nr = c.b0 + c.b1 * cr + c.b2 * c2r, ni = c.b1 * ci + c.b2 * c2i;
  const dr = 1 + c.a1 * cr + c.a2 * c2r, di = c.a1 * ci + c.a2 * c2i;
  return Math.sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}

/** Peak absolute value. */
export function peakAbs(x: Float32Array, start = 0, end = x.length): number {
  let m = 0;
  for (let i = start; i < end; i++) {
    const a = x[i] < 0 ? -x[i] : x[i];
    if (a > m) m = a;
  }
  return m;
}

/** Root mean square over [start, end). */
export function rmsOf(x: Float32Array, start = 0, end = x.length): number {
  if (end <= start) return 0;
  let s = 0;
  for (let i = start; i < end; i++) s += x[i] * x[i];
  return Math.sqrt(s / (end - start));
}

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}
