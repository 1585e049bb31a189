import { SimdDot } from './simd-dot';

/**
 * Band-limited resampling identical in design to resampy 0.4's `kaiser_best` filter, the one librosa 0.9.2's
 * `librosa.load` uses: a Kaiser-windowed sinc (see KAISER_BEST), linearly interpolated between table entries, scaled
 * by sr_new/sr_orig when downsampling, evaluated at output times t * (sr_orig/sr_new), truncated at the
 * signal edges; then librosa's length fix (zero-pad or trim to ceil(n * sr_new / sr_orig)).
 *
 * Speed: for a rational ratio up/down the output times fall on `up` distinct filter phases, so each phase's
 * taps are computed once (a polyphase table) and every output is one dot product in float64.
 */

/**
 * resampy 0.4.x's `kaiser_best` (data/kaiser_best.npz, regenerated in 0.3.0): 50 zero crossings,
 * 2^13 table entries per crossing, rolloff 0.917347, Kaiser beta 12.9846. (The 0.2.x filter was
 * 64 zeros / 2^9 / 0.9475937 / 14.7697; librosa 0.9.2's goldens were made with resampy 0.4.2.)
 * Recomputed here from those parameters: equal to the shipped table within 3.4e-16.
 */
export const KAISER_BEST = {
  numZeros: 50,
  precision: 13,
  rolloff: 0.917347,
  beta: 12.9846,
} as const;

export interface ResampleOptions {
  fromRate: number;
  toRate: number;
}

export interface ResamplePlanOptions extends ResampleOptions {
  /** 'auto' (default) uses WebAssembly SIMD when available; 'js' forces the scalar loop (tests compare both). */
  engine?: 'auto' | 'js';
}

/** 1 / k^2 for the Bessel series (a constant table; multiplying is much faster than dividing). */
const INVERSE_SQUARES = Float64Array.from({ length: 96 }, (_, k) => (k === 0 ? 0 : 1 / (k * k)));

/** Modified Bessel function of the first kind, order 0: Σ ((x/2)^2)^k / (k!)^2, to double precision for x ≤ 30. */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < INVERSE_SQUARES.length; k++) {
    term *= q * INVERSE_SQUARES[k];
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const TABLE_PER_ZERO = 2 ** KAISER_BEST.precision;
/** Length of resampy's `interp_win` (the right half of the filter, both ends included). */
const HALF_WINDOW_LENGTH = KAISER_BEST.numZeros * TABLE_PER_ZERO + 1;

/**
 * Entry k of the right half of the windowed sinc, times `gain` (resampy scales the table by
 * sr_new/sr_orig when downsampling): kaiser(2n+1, beta)[n + k] * rolloff * sinc(rolloff * k / 2^precision).
 */
function halfWindowAt(k: number, gain: number, i0Beta: number): number {
  const { rolloff, beta } = KAISER_BEST;
  const x = rolloff * (k / TABLE_PER_ZERO);
  const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
  const r = k / (HALF_WINDOW_LENGTH - 1);
  const taper = besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
  const w = taper * (rolloff * sinc);
  return gain === 1 ? w : gain * w;
}

/** The filter table and its first differences (resampy's `interp_win`, `interp_delta`), evaluated lazily or in full. */
interface FilterTable {
  /** win[k] + eta * (win[k+1] - win[k]); the difference past the last entry is 0. */
  interpolate(k: number, eta: number): number;
}

function lazyFilterTable(gain: number): FilterTable {
  const i0Beta = besselI0(KAISER_BEST.beta);
  return {
    interpolate(k, eta) {
      const w = halfWindowAt(k, gain, i0Beta);
      const next = k + 1 < HALF_WINDOW_LENGTH ? halfWindowAt(k + 1, gain, i0Beta) : w;
      return w + eta * (next - w);
    },
  };
}

function fullFilterTable(gain: number): FilterTable {
  const i0Beta = besselI0(KAISER_BEST.beta);
  const win = new Float64Array(HALF_WINDOW_LENGTH);
  for (let k = 0; k < win.length; k++) win[k] = halfWindowAt(k, gain, i0Beta);
  const delta = new Float64Array(win.length);
  for (let k = 0; k + 1 < win.length; k++) delta[k] = win[k + 1] - win[k];
  return { interpolate: (k, eta) => win[k] + eta * delta[k] };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Above this many table entries the taps are computed per output instead of tabulated. */
const MAX_TABLE_ENTRIES = 1 << 21;

/**
 * Everything about a rate conversion that does not depend on the signal. Output sample t sits at input
 * time t * down / up = n + phase / up; its taps cover input samples n - left + 1 ... n + right.
 */
export interface ResamplePlan {
  fromRate: number;
  toRate: number;
  up: number;
  down: number;
  /** Per phase: offset of its taps in `taps`, and its left/right tap counts. */
  phaseStart: Int32Array;
  phaseLeft: Int32Array;
  phaseRight: Int32Array;
  /** Tabulated taps (ordered oldest input first), or null when computed per output. */
  taps: Float64Array | null;
  /** Largest left/right extent over all phases: the history/lookahead a streaming resampler must keep. */
  maxLeft: number;
  maxRight: number;
  filter: FilterTable;
  scale: number;
  indexStep: number;
  /** The SIMD dot product holding `taps` (per plan: its memory is this conversion's scratch space). */
  simd: SimdDot | null;
}

function assertRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0) throw new TypeError(`resample: ${name} must be a positive integer, got ${rate}`);
}

/** Table offset, interpolation factor and tap count of one wing at fractional position `frac` (resampy's loop). */
function wing(frac: number, indexStep: number): { offset: number; eta: number; count: number } {
  const indexFrac = frac * TABLE_PER_ZERO;
  const offset = Math.trunc(indexFrac);
  const eta = indexFrac - offset;
  const count = Math.max(0, Math.floor((HALF_WINDOW_LENGTH - offset) / indexStep));
  return { offset, eta, count };
}

/** Writes phase `phase`'s taps (oldest input first) into `dst[at...]`; returns [left, right]. */
function writePhaseTaps(plan: ResamplePlan, phase: number, dst: Float64Array, at: number): [number, number] {
  const { filter, indexStep, scale } = plan;
  const frac = scale * (phase / plan.up);
  const left = wing(frac, indexStep);
  const right = wing(scale - frac, indexStep);
  // Left wing: tap i multiplies x[n - i]; stored reversed so the dot product walks the input forwards.
  for (let i = 0; i < left.count; i++) {
    dst[at + left.count - 1 - i] = filter.interpolate(left.offset + i * indexStep, left.eta);
  }
  for (let i = 0; i < right.count; i++) {
    dst[at + left.count + i] = filter.interpolate(right.offset + i * indexStep, right.eta);
  }
  return [left.count, right.count];
}

export function createResamplePlan(options: ResamplePlanOptions): ResamplePlan {
  const { fromRate, toRate } = options;
  assertRate('fromRate', fromRate);
  assertRate('toRate', toRate);
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  const ratio = toRate / fromRate;
  const scale = Math.min(1, ratio);
  const gain = ratio < 1 ? ratio : 1;
  const indexStep = Math.trunc(scale * TABLE_PER_ZERO);
  const maxTaps = 2 * (Math.floor(HALF_WINDOW_LENGTH / indexStep) + 1);
  // Few phases (every common rate pair): evaluate only the table entries the taps use.
  // Many phases (odd rates): build the whole table once and interpolate per output.
  const tabulate = up * maxTaps <= MAX_TABLE_ENTRIES;
  const plan: ResamplePlan = {
    fromRate, toRate, up, down,
    phaseStart: new Int32Array(up), phaseLeft: new Int32Array(up), phaseRight: new Int32Array(up),
    taps: null, maxLeft: 0, maxRight: 0,
    filter: tabulate ? lazyFilterTable(gain) : fullFilterTable(gain),
    scale, indexStep, simd: null,
  };
  const taps = tabulate ? new Float64Array(up * maxTaps) : null;
  let at = 0;
  for (let p = 0; p < up; p++) {
    const [left, right] = tabulate ? writePhaseTaps(plan, p, taps as Float64Array, at) : phaseExtent(plan, p);
    plan.phaseStart[p] = at;
    plan.phaseLeft[p] = left;
    plan.phaseRight[p] = right;
    if (left > plan.maxLeft) plan.maxLeft = left;
    if (right > plan.maxRight) plan.maxRight = right;
    if (taps) at += left + right;
  }
  plan.taps = taps ? taps.slice(0, at) : null;
  if (plan.taps && options.engine !== 'js') plan.simd = SimdDot.create(plan.taps);
  return plan;
}

function phaseExtent(plan: ResamplePlan, phase: number): [number, number] {
  const frac = plan.scale * (phase / plan.up);
  return [wing(frac, plan.indexStep).count, wing(plan.scale - frac, plan.indexStep).count];
}

/** resampy's output length: int(n * sr_new / sr_orig). */
export function resampyLength(inputLength: number, fromRate: number, toRate: number): number {
  return Math.trunc((inputLength * toRate) / fromRate);
}

/** librosa's output length after `fix_length`: ceil(n * (sr_new / sr_orig)). */
export function resampledLength(inputLength: number, fromRate: number, toRate: number): number {
  if (fromRate === toRate) return inputLength;
  return Math.ceil(inputLength * (toRate / fromRate));
}

/** Outputs per SIMD block: bounds the wasm memory to ~(block × down/up + taps) samples. */
const SIMD_BLOCK_OUTPUTS = 1 << 16;

/** Σ kernel[k0 + j] * x[xi + j] for j in [lo, hi), four partial sums (the hot loop of every resample). */
function dot(kernel: Float64Array, k0: number, x: Float32Array, xi: number, lo: number, hi: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = lo;
  for (; j + 3 < hi; j += 4) {
    s0 += kernel[k0 + j] * x[xi + j];
    s1 += kernel[k0 + j + 1] * x[xi + j + 1];
    s2 += kernel[k0 + j + 2] * x[xi + j + 2];
    s3 += kernel[k0 + j + 3] * x[xi + j + 3];
  }
  for (; j < hi; j++) s0 += kernel[k0 + j] * x[xi + j];
  return s0 + s1 + (s2 + s3);
}

/**
 * Computes outputs t in [tFrom, tTo) of the conversion of a signal of `inputLength` samples, reading
 * input sample j from `x[j - xStart]`. The caller guarantees every input those outputs touch is in `x`
 * (see `inputSpan`). Outputs at or beyond resampy's length are zero (librosa's padding).
 */
export function renderResampled(options: {
  plan: ResamplePlan;
  x: Float32Array;
  xStart: number;
  inputLength: number;
  tFrom: number;
  tTo: number;
  out: Float32Array;
  outOffset: number;
}): void {
  const { plan, x, xStart, inputLength, tFrom, tTo, out, outOffset } = options;
  const { up, down, phaseStart, phaseLeft, phaseRight, simd } = plan;
  const computed = Math.min(tTo, resampyLength(inputLength, plan.fromRate, plan.toRate));
  if (simd) {
    // Blocks of outputs: copy the inputs a block reads into wasm memory. Outputs whose taps lie wholly inside the
    // signal (all but a filter's length at either end) run as one `dotRun` per phase: outputs t, t + up, ... share a
    // phase and step `down` inputs. The rest, one dot each with its taps truncated. Same sums either way.
    const interiorFrom = Math.ceil(((plan.maxLeft - 1) * up) / down);
    const interiorTo = Math.ceil(((inputLength - plan.maxRight) * up) / down);
    for (let tb = tFrom; tb < computed; tb += SIMD_BLOCK_OUTPUTS) {
      const te = Math.min(computed, tb + SIMD_BLOCK_OUTPUTS);
      const span = inputSpan(plan, inputLength, tb, te);
      simd.loadSamples(x.subarray(span.first - xStart, span.end - xStart));
      const a = Math.min(te, Math.max(tb, interiorFrom));
      const b = Math.max(a, Math.min(te, interiorTo));
      if (b > a) {
        simd.reserveOutputs(b - a);
        for (let r = 0; r < up && a + r < b; r++) {
          const t0 = a + r;
          const n0 = Math.floor((t0 * down) / up);
          const phase = t0 * down - n0 * up;
          const left = phaseLeft[phase];
          simd.dotRun(phaseStart[phase], n0 - left + 1 - span.first, left + phaseRight[phase], down, Math.floor((b - 1 - t0) / up) + 1, r, up);
        }
        out.set(simd.outputs(b - a), outOffset + a - tFrom);
      }
      for (let t = tb; t < te; t++) {
        if (t === a) t = b;
        if (t >= te) break;
        const pos = t * down;
        const n = Math.floor(pos / up);
        const phase = pos - n * up;
        const left = phaseLeft[phase];
        const right = phaseRight[phase];
        const jLo = left - 1 - n > 0 ? left - 1 - n : 0;
        const rightAvail = inputLength - n - 1;
        const jHi = left + (right < rightAvail ? right : rightAvail);
        out[outOffset + t - tFrom] = simd.dot(phaseStart[phase] + jLo, n - left + 1 + jLo - span.first, jHi - jLo);
      }
    }
    for (let t = Math.max(tFrom, computed); t < tTo; t++) out[outOffset + t - tFrom] = 0;
    return;
  }
  const tabulated = plan.taps;
  const kernel = tabulated ?? new Float64Array(plan.maxLeft + plan.maxRight);
  for (let t = tFrom; t < computed; t++) {
    const pos = t * down;
    const n = Math.floor(pos / up);
    const phase = pos - n * up;
    let k0 = 0;
    if (tabulated) k0 = phaseStart[phase];
    else writePhaseTaps(plan, phase, kernel, 0);
    const left = phaseLeft[phase];
    const right = phaseRight[phase];
    // Taps j = 0 .. left+right-1 multiply input n - left + 1 + j; those beyond either end of the signal are dropped.
    const jLo = left - 1 - n > 0 ? left - 1 - n : 0;
    const rightAvail = inputLength - n - 1;
    const jHi = left + (right < rightAvail ? right : rightAvail);
    out[outOffset + t - tFrom] = dot(kernel, k0, x, n - left + 1 - xStart, jLo, jHi);
  }
  for (let t = Math.max(tFrom, computed); t < tTo; t++) out[outOffset + t - tFrom] = 0;
}

/**
 * The input samples [first, end) that outputs [tFrom, tTo) read (clamped to the signal).
 * A streaming caller keeps at least these in its buffer.
 */
export function inputSpan(plan: ResamplePlan, inputLength: number, tFrom: number, tTo: number): { first: number; end: number } {
  if (tTo <= tFrom) return { first: 0, end: 0 };
  const nFirst = Math.floor((tFrom * plan.down) / plan.up);
  const nLast = Math.floor(((tTo - 1) * plan.down) / plan.up);
  return {
    first: Math.max(0, nFirst - plan.maxLeft + 1),
    end: Math.min(inputLength, nLast + plan.maxRight + 1),
  };
}

/** Resamples a whole signal (librosa.resample with res_type='kaiser_best'). Returns a new array. */
export function resample(input: Float32Array, options: ResampleOptions): Float32Array {
  if (!(input instanceof Float32Array)) throw new TypeError('resample: input must be a Float32Array');
  const { fromRate, toRate } = options;
  assertRate('fromRate', fromRate);
  assertRate('toRate', toRate);
  if (fromRate === toRate) return input.slice();
  const plan = createResamplePlan(options);
  const length = resampledLength(input.length, fromRate, toRate);
  const out = new Float32Array(length);
  renderResampled({ plan, x: input, xStart: 0, inputLength: input.length, tFrom: 0, tTo: length, out, outOffset: 0 });
  return out;
}
