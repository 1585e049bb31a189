/**
 * librosa-compatible mel spectrogram (librosa 0.9.2 `feature.melspectrogram` defaults: center=True with zero
 * padding, periodic Hann window, |STFT|^power, Slaney mel scale with Slaney area normalisation) and `power_to_db`.
 * Built for long signals too: one real FFT plan, a sparse filterbank, output written straight into one buffer.
 */
import { MFCC_PARAMS } from '../constants';
import { RealFftPlan } from './fft';
import { MelFilterbank, melFilterbank } from './mel';
import { acquirePowerSpectrum, releasePowerSpectrum, wasmFftTables, WasmFftTables, WasmPowerSpectrum } from './wasm-fft';

export interface MelSpectrogramOptions {
  sampleRate?: number;
  nFft?: number;
  hopLength?: number;
  nMels?: number;
  fMin?: number;
  /** Defaults to sampleRate / 2. */
  fMax?: number;
  /** Exponent of the magnitude: 2 = power (librosa's default), 1 = magnitude. */
  power?: number;
}

export interface MelSpectrogram {
  /** Frame-major: data[t * nMels + m]. */
  data: Float32Array;
  frames: number;
  nMels: number;
}

/** Everything that depends only on the parameters, computed once and reused for every signal. */
export interface MelSpectrogramPlan {
  sampleRate: number;
  nFft: number;
  hopLength: number;
  nMels: number;
  fMin: number;
  fMax: number;
  power: number;
  window: Float64Array;
  fft: RealFftPlan;
  /** Tables of the WebAssembly SIMD transform, or null when it does not handle nFft (see wasm-fft.ts). */
  wasmFft: WasmFftTables | null;
  filterbank: MelFilterbank;
}

/** scipy.signal.get_window('hann', n, fftbins=True): the periodic Hann window. */
export function periodicHann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

function resolveOptions(options: MelSpectrogramOptions = {}): Omit<MelSpectrogramPlan, 'window' | 'fft' | 'wasmFft' | 'filterbank'> {
  const sampleRate = options.sampleRate ?? MFCC_PARAMS.sampleRate;
  const resolved = {
    sampleRate,
    nFft: options.nFft ?? MFCC_PARAMS.nFft,
    hopLength: options.hopLength ?? MFCC_PARAMS.hopLength,
    nMels: options.nMels ?? MFCC_PARAMS.nMels,
    fMin: options.fMin ?? MFCC_PARAMS.fMin,
    fMax: options.fMax ?? sampleRate / 2,
    power: options.power ?? 2,
  };
  const { nFft, hopLength, nMels, fMin, fMax, power } = resolved;
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new TypeError(`melSpectrogram: sampleRate must be > 0, got ${sampleRate}`);
  if (!Number.isInteger(nFft) || nFft < 16 || (nFft & (nFft - 1)) !== 0) {
    throw new TypeError(`melSpectrogram: nFft must be a power of two >= 16, got ${nFft}`);
  }
  if (!Number.isInteger(hopLength) || hopLength < 1) throw new TypeError(`melSpectrogram: hopLength must be a positive integer, got ${hopLength}`);
  if (!Number.isInteger(nMels) || nMels < 1) throw new TypeError(`melSpectrogram: nMels must be a positive integer, got ${nMels}`);
  if (!(fMin >= 0) || !(fMax > fMin) || fMax > sampleRate / 2) {
    throw new TypeError(`melSpectrogram: need 0 <= fMin < fMax <= sampleRate/2, got fMin=${fMin} fMax=${fMax}`);
  }
  if (!(power > 0) || !Number.isFinite(power)) throw new TypeError(`melSpectrogram: power must be > 0, got ${power}`);
  return resolved;
}

/** Precomputes window, FFT twiddles and filterbank for the given parameters (librosa defaults when omitted). */
export function createMelSpectrogramPlan(options: MelSpectrogramOptions = {}): MelSpectrogramPlan {
  const p = resolveOptions(options);
  const window = periodicHann(p.nFft);
  const filterbank = melFilterbank({ sampleRate: p.sampleRate, nFft: p.nFft, nMels: p.nMels, fMin: p.fMin, fMax: p.fMax });
  return {
    ...p,
    window,
    fft: new RealFftPlan(p.nFft),
    wasmFft: wasmFftTables(p.nFft, window, filterbank.flat),
    filterbank,
  };
}

/** The seed's parameters (MFCC_PARAMS). Immutable after construction; built once at load (~1 ms). */
export const SEED_MEL_PLAN: MelSpectrogramPlan = createMelSpectrogramPlan();

function planFor(options: MelSpectrogramOptions | undefined): MelSpectrogramPlan {
  if (!options) return SEED_MEL_PLAN;
  const p = resolveOptions(options);
  const s = SEED_MEL_PLAN;
  const same =
    p.sampleRate === s.sampleRate && p.nFft === s.nFft && p.hopLength === s.hopLength && p.nMels === s.nMels &&
    p.fMin === s.fMin && p.fMax === s.fMax && p.power === s.power;
  return same ? s : createMelSpectrogramPlan(options);
}

/** Number of STFT frames librosa produces with center=True: 1 + floor(len / hop). */
export function centeredFrameCount(length: number, hopLength: number): number {
  return 1 + Math.floor(length / hopLength);
}

/** Which FFT implementation to use: 'auto' = WebAssembly SIMD where available and supported, else JS. */
export type FftImplementation = 'auto' | 'js';

export interface MelComputeOptions {
  /** Default 'auto'. 'js' forces the plain TypeScript transform (same results; kept tested as the fallback). */
  fft?: FftImplementation;
  /**
   * Frames shared between overlapping signals cut from one longer one (the clips of a report batch): `y[0]` is
   * sample `origin` of that signal, and `frames` holds the mel spectra of frames already computed, keyed by the
   * position of their first sample there. Interior frames (window inside `y`) are looked up and added; the
   * values are the same as without it. Used by the WebAssembly path (the JS path computes every frame).
   */
  shared?: SharedMelFrames;
}

export interface SharedMelFrames {
  origin: number;
  frames: Map<number, Float64Array>;
}

/**
 * Mel power spectrogram into `out` (frame-major, frames * nMels), in float64 for parity work.
 * Frames are centred: frame t covers y[t*hop - nFft/2, t*hop + nFft/2) with zeros outside the signal.
 */
export function melSpectrogramInto(y: Float32Array, plan: MelSpectrogramPlan, out: Float64Array, options: MelComputeOptions = {}): number {
  const { hopLength, nMels } = plan;
  const length = y.length;
  if (length < 1) throw new TypeError('melSpectrogram: empty signal');
  const frames = centeredFrameCount(length, hopLength);
  if (out.length < frames * nMels) throw new TypeError(`melSpectrogram: output buffer too small (${out.length} < ${frames * nMels})`);
  const kernel = options.fft !== 'js' && plan.wasmFft !== null ? acquirePowerSpectrum(plan.wasmFft) : null;
  if (kernel === null) {
    melFramesJs(y, plan, out, frames);
  } else {
    try {
      melFramesWasm(y, plan, out, frames, kernel, options.shared);
    } finally {
      releasePowerSpectrum(kernel);
    }
  }
  return frames;
}

/** spectrum^(power/2) (|X|^power from |X|^2) projected onto the mel bands: out[base + m]. */
function projectFrame(plan: MelSpectrogramPlan, spectrum: Float64Array, out: Float64Array, base: number): void {
  const { nMels, power } = plan;
  const { start: bandStart, offset: bandOffset, weights } = plan.filterbank.flat;
  const magnitudeExponent = power / 2;
  if (magnitudeExponent !== 1) {
    for (let k = 0; k < spectrum.length; k++) spectrum[k] = Math.pow(spectrum[k], magnitudeExponent);
  }
  for (let m = 0; m < nMels; m++) {
    const first = bandOffset[m];
    const shift = bandStart[m] - first;
    const end = bandOffset[m + 1];
    let sum = 0;
    for (let k = first; k < end; k++) sum += weights[k] * spectrum[k + shift];
    out[base + m] = sum;
  }
}

function melFramesWasm(y: Float32Array, plan: MelSpectrogramPlan, out: Float64Array, frames: number, kernel: WasmPowerSpectrum, shared?: SharedMelFrames): void {
  const { nFft, hopLength, nMels } = plan;
  const length = y.length;
  const half = nFft >> 1;
  // Interior frames (window inside the signal) run in one kernel call per chunk: t*hop - half >= 0, t*hop + half <= length.
  // The kernel projects power spectra (power 2) only; other exponents go frame by frame through projectFrame.
  let interiorFirst = frames;
  let interiorEnd = frames;
  if (plan.power === 2 && length >= nFft) {
    interiorFirst = Math.min(frames, Math.ceil(half / hopLength));
    interiorEnd = Math.max(interiorFirst, Math.min(frames, Math.floor((length - half) / hopLength) + 1));
    if (shared) sharedInteriorFrames(y, plan, out, kernel, shared, interiorFirst, interiorEnd);
    else kernel.melFrames(y, { first: interiorFirst * hopLength - half, hop: hopLength, count: interiorEnd - interiorFirst, out, outBase: interiorFirst * nMels });
  }
  for (let t = 0; t < frames; t++) {
    if (t === interiorFirst) t = interiorEnd;
    if (t >= frames) break;
    const offset = t * hopLength - half;
    const frame = kernel.frame;
    // Edge frames: the centred window hangs over the signal's ends (zero padding, librosa 0.9.2 default).
    for (let n = 0; n < nFft; n++) {
      const i = offset + n;
      frame[n] = i >= 0 && i < length ? y[i] : 0;
    }
    if (plan.power === 2) out.set(kernel.melOfFrame(), t * nMels);
    else projectFrame(plan, kernel.powerOfFrame(), out, t * nMels);
  }
}

/** Interior frames [first, end) from `shared` where known; runs of the others in one kernel call each, then remembered. */
function sharedInteriorFrames(y: Float32Array, plan: MelSpectrogramPlan, out: Float64Array, kernel: WasmPowerSpectrum, shared: SharedMelFrames, first: number, end: number): void {
  const { nFft, hopLength, nMels } = plan;
  const half = nFft >> 1;
  const keyOf = (t: number) => shared.origin + t * hopLength - half;
  let t = first;
  while (t < end) {
    const known = shared.frames.get(keyOf(t));
    if (known) {
      out.set(known, t * nMels);
      t++;
      continue;
    }
    let runEnd = t + 1;
    while (runEnd < end && !shared.frames.has(keyOf(runEnd))) runEnd++;
    kernel.melFrames(y, { first: t * hopLength - half, hop: hopLength, count: runEnd - t, out, outBase: t * nMels });
    for (let k = t; k < runEnd; k++) shared.frames.set(keyOf(k), out.slice(k * nMels, (k + 1) * nMels));
    t = runEnd;
  }
}

function melFramesJs(y: Float32Array, plan: MelSpectrogramPlan, out: Float64Array, frames: number): void {
  const { nFft, hopLength, nMels, window, fft } = plan;
  const length = y.length;
  const half = nFft >> 1;
  const frame = new Float64Array(nFft);
  const spectrum = new Float64Array(fft.bins);
  const scratch = fft.createScratch();
  for (let t = 0; t < frames; t++) {
    const offset = t * hopLength - half;
    if (offset >= 0 && offset + nFft <= length) {
      fft.powerSpectrumWindowed(y, offset, window, spectrum, scratch);
    } else {
      for (let n = 0; n < nFft; n++) {
        const i = offset + n;
        frame[n] = i >= 0 && i < length ? y[i] * window[n] : 0;
      }
      fft.powerSpectrum(frame, spectrum, scratch);
    }
    projectFrame(plan, spectrum, out, t * nMels);
  }
}

/** librosa.feature.melspectrogram(y, sr, n_fft, hop_length, n_mels, fmin, fmax, power) with librosa 0.9.2 defaults. */
export function melSpectrogram(y: Float32Array, options?: MelSpectrogramOptions): MelSpectrogram {
  const plan = planFor(options);
  if (y.length < 1) throw new TypeError('melSpectrogram: empty signal');
  const frames = centeredFrameCount(y.length, plan.hopLength);
  const power = new Float64Array(frames * plan.nMels);
  melSpectrogramInto(y, plan, power);
  return { data: new Float32Array(power), frames, nMels: plan.nMels };
}

export interface PowerToDbOptions {
  /** Reference power (0 dB). Default 1. */
  ref?: number;
  /** Floor applied before the log. Default 1e-10. */
  amin?: number;
  /** Clip everything below (max - topDb) dB, max over the whole input. Default 80; null disables. */
  topDb?: number | null;
}

const DB_PER_NEPER = 10 / Math.LN10;

/** In-place power_to_db over a float64/float32 buffer (see `powerToDb`). */
export function powerToDbInPlace(values: Float64Array | Float32Array, options: PowerToDbOptions = {}): void {
  const ref = options.ref ?? 1;
  const amin = options.amin ?? MFCC_PARAMS.amin;
  const topDb = options.topDb === undefined ? MFCC_PARAMS.topDb : options.topDb;
  if (!(amin > 0)) throw new TypeError(`powerToDb: amin must be > 0, got ${amin}`);
  if (topDb !== null && !(topDb >= 0)) throw new TypeError(`powerToDb: topDb must be >= 0 or null, got ${topDb}`);
  const refDb = DB_PER_NEPER * Math.log(Math.max(amin, Math.abs(ref)));
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    // 10*log10(x) as (10/ln 10)*ln(x): same value to ~1 ulp, and V8's Math.log is about twice as fast.
    values[i] = DB_PER_NEPER * Math.log(Math.max(amin, values[i])) - refDb;
    // Read back: for a Float32Array the stored (rounded) value is what gets compared below.
    if (values[i] > max) max = values[i];
  }
  if (topDb !== null) {
    const floor = max - topDb;
    for (let i = 0; i < values.length; i++) if (values[i] < floor) values[i] = floor;
  }
}

/** librosa.power_to_db(S, ref, amin, top_db): 10*log10(max(amin, S) / ref), floored at max - topDb. */
export function powerToDb(values: Float32Array, options?: PowerToDbOptions): Float32Array {
  const out = new Float32Array(values);
  powerToDbInPlace(out, options);
  return out;
}
