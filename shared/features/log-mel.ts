/**
 * The `log-mel` feature pipeline: a log-power mel spectrogram of the clip's first 2 s (frames x mel bands,
 * frame-major), normalised per clip. Every parameter is stored in the model's metadata; this build computes
 * any parameter set that `assertLogMelParams` accepts.
 */
import { CLIP_SAMPLES, SAMPLE_RATE } from '../constants';
import { assertFiniteSignal } from './comprehensive';
import { FeatureInputError, FeaturePipelineError } from './errors';
import { centeredFrameCount, createMelSpectrogramPlan, MelComputeOptions, melSpectrogramInto, MelSpectrogramPlan, powerToDbInPlace } from './spectrogram';

export const LOG_MEL_PIPELINE_NAME = 'log-mel';
export const LOG_MEL_PIPELINE_VERSION = 1;

export interface LogMelParams {
  sampleRate: number;
  /** Samples per clip (zero-padded when shorter). */
  clipSamples: number;
  nFft: number;
  hopLength: number;
  nMels: number;
  fMin: number;
  fMax: number;
  /** power_to_db floor and dynamic range (dB below the clip's maximum). */
  amin: number;
  topDb: number;
  /**
   * Optional: a white-noise floor this many dB under the clip's peak sample, added to the mel power as its expected
   * value (no randomness). Every clip then has at least that floor, so a nearly noise-free recording looks like the
   * noisy ones a model learnt from.
   */
  noiseFloorDb?: number;
}

/**
 * - 'clip-standardize': (x - mean) / max(std, floor) over the whole clip's dB values: removes level, keeps the
 *   spectral shape (where the sizzle sits relative to the note).
 * - 'band-standardize': the same per mel band over time: also removes a fixed mic/room colouration.
 */
export type LogMelNormalization = 'clip-standardize' | 'band-standardize';
export const LOG_MEL_NORMALIZATIONS: readonly LogMelNormalization[] = ['clip-standardize', 'band-standardize'];

export interface LogMelPipeline {
  name: typeof LOG_MEL_PIPELINE_NAME;
  version: number;
  params: LogMelParams;
  normalization: LogMelNormalization;
}

/** 2048-point frames (the wasm FFT handles this size), hop 512 (87 frames, as the MFCC pipeline), 64 bands. */
export const DEFAULT_LOG_MEL_PARAMS: LogMelParams = Object.freeze({
  sampleRate: SAMPLE_RATE,
  clipSamples: CLIP_SAMPLES,
  nFft: 2048,
  hopLength: 512,
  nMels: 64,
  fMin: 0,
  fMax: SAMPLE_RATE / 2,
  amin: 1e-10,
  topDb: 80,
});

export const LOG_MEL_PIPELINE: LogMelPipeline = Object.freeze({
  name: LOG_MEL_PIPELINE_NAME,
  version: LOG_MEL_PIPELINE_VERSION,
  params: DEFAULT_LOG_MEL_PARAMS,
  normalization: 'clip-standardize',
});

/** A std below this (silence) only centres the values. */
export const LOG_MEL_STD_FLOOR = 1e-3;

const PARAM_KEYS = Object.keys(DEFAULT_LOG_MEL_PARAMS) as (keyof LogMelParams)[];
const OPTIONAL_PARAM_KEYS: (keyof LogMelParams)[] = ['noiseFloorDb'];

/** Checks a params object from metadata; returns a clean copy or throws FeaturePipelineError naming the problem. */
export function assertLogMelParams(value: unknown): LogMelParams {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FeaturePipelineError(`${LOG_MEL_PIPELINE_NAME} params must be an object`);
  const p = value as Record<string, unknown>;
  const extra = Object.keys(p).filter((k) => !([...PARAM_KEYS, ...OPTIONAL_PARAM_KEYS] as string[]).includes(k));
  if (extra.length > 0) throw new FeaturePipelineError(`${LOG_MEL_PIPELINE_NAME} has unknown params: ${extra.join(', ')}`);
  for (const k of PARAM_KEYS) {
    if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) throw new FeaturePipelineError(`${LOG_MEL_PIPELINE_NAME} param ${k} must be a finite number, got ${JSON.stringify(p[k])}`);
  }
  const params = Object.fromEntries(PARAM_KEYS.map((k) => [k, p[k] as number])) as unknown as LogMelParams;
  const bad = (k: string, why: string) => new FeaturePipelineError(`${LOG_MEL_PIPELINE_NAME} param ${k}=${JSON.stringify(p[k])} is not supported (${why})`);
  // Audio is always resampled to SAMPLE_RATE and cut to CLIP_SAMPLES before features (shared/audio, report clips).
  if (params.sampleRate !== SAMPLE_RATE) throw bad('sampleRate', `clips are at ${SAMPLE_RATE} Hz`);
  if (params.clipSamples !== CLIP_SAMPLES) throw bad('clipSamples', `clips hold ${CLIP_SAMPLES} samples`);
  if (!Number.isInteger(params.nFft) || params.nFft < 64 || params.nFft > 8192 || (params.nFft & (params.nFft - 1)) !== 0) throw bad('nFft', 'a power of two in [64, 8192]');
  if (!Number.isInteger(params.hopLength) || params.hopLength < 32 || params.hopLength > params.nFft) throw bad('hopLength', 'an integer in [32, nFft]');
  if (!Number.isInteger(params.nMels) || params.nMels < 8 || params.nMels > 256) throw bad('nMels', 'an integer in [8, 256]');
  if (!(params.fMin >= 0 && params.fMax > params.fMin && params.fMax <= params.sampleRate / 2)) throw bad('fMax', 'need 0 <= fMin < fMax <= sampleRate / 2');
  if (!(params.amin > 0)) throw bad('amin', 'must be > 0');
  if (!(params.topDb > 0)) throw bad('topDb', 'must be > 0');
  if (p.noiseFloorDb !== undefined) {
    if (typeof p.noiseFloorDb !== 'number' || !(p.noiseFloorDb >= 20 && p.noiseFloorDb <= 120)) throw bad('noiseFloorDb', 'a number of dB in [20, 120]');
    params.noiseFloorDb = p.noiseFloorDb;
  }
  return params;
}

/** [frames, bands] of the model input. */
export function logMelShape(params: LogMelParams): [number, number] {
  return [centeredFrameCount(params.clipSamples, params.hopLength), params.nMels];
}

const plans = new Map<string, MelSpectrogramPlan>();
const unitNoiseFloors = new Map<MelSpectrogramPlan, Float64Array>();

function planOf(params: LogMelParams): MelSpectrogramPlan {
  const key = JSON.stringify(params);
  let plan = plans.get(key);
  if (!plan) {
    plan = createMelSpectrogramPlan({ sampleRate: params.sampleRate, nFft: params.nFft, hopLength: params.hopLength, nMels: params.nMels, fMin: params.fMin, fMax: params.fMax, power: 2 });
    plans.set(key, plan);
  }
  return plan;
}

/**
 * Expected mel power per band of white noise of `variance` under `plan` (power 2): each FFT bin of a windowed frame
 * holds variance * sum(w^2), and a band sums its bins' weights.
 */
export function whiteNoiseMelPower(plan: MelSpectrogramPlan, variance: number): Float64Array {
  let windowEnergy = 0;
  for (const w of plan.window) windowEnergy += w * w;
  const { offset, weights } = plan.filterbank.flat;
  const floor = new Float64Array(plan.nMels);
  for (let m = 0; m < plan.nMels; m++) {
    let sum = 0;
    for (let i = offset[m]; i < offset[m + 1]; i++) sum += weights[i];
    floor[m] = variance * windowEnergy * sum;
  }
  return floor;
}

function unitNoiseFloorOf(plan: MelSpectrogramPlan): Float64Array {
  let floor = unitNoiseFloors.get(plan);
  if (!floor) {
    floor = whiteNoiseMelPower(plan, 1);
    unitNoiseFloors.set(plan, floor);
  }
  return floor;
}

/** Adds a white-noise floor `floorDb` under `peak` (the clip's peak sample) to `power` (frames x bands), in place. */
function addNoiseFloorPower(power: Float64Array, peak: number, plan: MelSpectrogramPlan, floorDb: number): void {
  const variance = peak * peak * 10 ** (-floorDb / 10);
  const unit = unitNoiseFloorOf(plan);
  const bands = unit.length;
  for (let base = 0; base < power.length; base += bands) {
    for (let m = 0; m < bands; m++) power[base + m] += variance * unit[m];
  }
}

/** The largest |sample| of `clip`, which must be finite (one pass for both). */
function finitePeak(clip: Float32Array): number {
  let peak = 0;
  // Math.max propagates NaN, and an infinite sample makes the peak infinite: either way the check below sees it.
  for (let i = 0; i < clip.length; i++) peak = Math.max(peak, Math.abs(clip[i]));
  if (!Number.isFinite(peak)) assertFiniteSignal(clip, 'clip');
  return peak;
}

/** In place over `values` (frames x bands, frame-major); `perBand` standardises each band over time instead. */
export function standardizeLogMel(values: Float32Array, frames: number, bands: number, perBand: boolean): void {
  if (values.length !== frames * bands) throw new TypeError(`standardizeLogMel: ${values.length} values, expected ${frames} x ${bands}`);
  const groups = perBand ? bands : 1;
  const stride = perBand ? bands : 1;
  const count = perBand ? frames : frames * bands;
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += values[g + i * stride];
    const mean = sum / count;
    let sq = 0;
    for (let i = 0; i < count; i++) {
      const d = values[g + i * stride] - mean;
      sq += d * d;
    }
    const scale = 1 / Math.max(Math.sqrt(sq / count), LOG_MEL_STD_FLOOR);
    for (let i = 0; i < count; i++) values[g + i * stride] = (values[g + i * stride] - mean) * scale;
  }
}

/**
 * The model input of one clip into `out` (frames x bands): dB mel power of the first clipSamples samples
 * (zero-padded), floored topDb below the clip's maximum, then normalised. Empty or non-finite clips are FeatureInputErrors.
 * `compute.fft: 'js'` forces the TypeScript FFT (same values as the default WebAssembly one; for parity tests).
 */
export function logMelInto(clip: Float32Array, pipeline: LogMelPipeline, out: Float32Array, compute: MelComputeOptions = {}): void {
  if (!(clip instanceof Float32Array)) throw new TypeError('logMel: clip must be a Float32Array');
  if (clip.length === 0) throw new FeatureInputError('empty', 'cannot compute features of an empty clip');
  const { params } = pipeline;
  let window = clip.subarray(0, params.clipSamples);
  if (clip.length < params.clipSamples) {
    window = new Float32Array(params.clipSamples);
    window.set(clip);
  }
  const { noiseFloorDb } = params;
  let peak = 0;
  if (noiseFloorDb === undefined) assertFiniteSignal(window, 'clip');
  else peak = finitePeak(window);
  const [frames, bands] = logMelShape(params);
  if (out.length !== frames * bands) throw new TypeError(`logMel: output holds ${out.length} values, expected ${frames} x ${bands}`);
  const power = new Float64Array(frames * bands);
  const plan = planOf(params);
  melSpectrogramInto(window, plan, power, compute);
  if (noiseFloorDb !== undefined) addNoiseFloorPower(power, peak, plan, noiseFloorDb);
  powerToDbInPlace(power, { amin: params.amin, topDb: params.topDb });
  out.set(power);
  standardizeLogMel(out, frames, bands, pipeline.normalization === 'band-standardize');
}
