/**
 * The feature pipeline descriptor stored in model metadata: it names exactly how a model's inputs were computed,
 * so a model is only ever fed features made the same way (`assertSupportedPipeline` refuses anything else).
 */
import { FEATURE_COEFFS, FEATURE_FRAMES, MFCC_PARAMS } from '../constants';
import { comprehensiveMfcc } from './comprehensive';
import { FeaturePipelineError } from './errors';
import { assertLogMelParams, LOG_MEL_NORMALIZATIONS, LOG_MEL_PIPELINE, LOG_MEL_PIPELINE_NAME, LOG_MEL_PIPELINE_VERSION, logMelInto, LogMelNormalization, LogMelPipeline, logMelShape } from './log-mel';

export const PIPELINE_NAME = 'comprehensive-mfcc';
export const PIPELINE_VERSION = 1;

export type FeatureParams = { readonly [K in keyof typeof MFCC_PARAMS]: number };

/**
 * - 'none': the seed's raw comprehensive MFCC (what the original Keras model was trained on).
 * - 'per-clip-standardize': each of the 39 columns standardised over the clip's 87 frames,
 *   (x - mean) / max(std, STANDARDIZE_STD_FLOOR), population std. Subtracting the per-clip cepstral mean
 *   removes a fixed microphone/room colouration (a constant offset in the cepstrum) and overall level.
 */
export type FeatureNormalization = 'none' | 'per-clip-standardize';
export const NORMALIZATIONS: readonly FeatureNormalization[] = ['none', 'per-clip-standardize'];

/** A column whose std is below this (e.g. silence) is only centred, not blown up to unit variance. */
export const STANDARDIZE_STD_FLOOR = 1e-3;

/** The seed's comprehensive MFCC (87 x 39), optionally standardised per clip. */
export interface MfccPipeline {
  name: typeof PIPELINE_NAME;
  version: number;
  params: FeatureParams;
  normalization: FeatureNormalization;
}

/** Every pipeline a model's metadata may name (see shared/features/log-mel.ts for `log-mel`). */
export type FeaturePipeline = MfccPipeline | LogMelPipeline;
export const PIPELINE_NAMES = [PIPELINE_NAME, LOG_MEL_PIPELINE_NAME] as const;

/** The original project's model input. */
export const SEED_PIPELINE: MfccPipeline = Object.freeze({
  name: PIPELINE_NAME,
  version: PIPELINE_VERSION,
  params: Object.freeze({ ...MFCC_PARAMS }),
  normalization: 'none',
});

/** Same features, standardised per clip and column (see FeatureNormalization). */
export const STANDARDIZED_PIPELINE: MfccPipeline = Object.freeze({
  ...SEED_PIPELINE,
  normalization: 'per-clip-standardize',
});

/** The pipelines a training command can name (`--pipeline`). */
export const PIPELINE_CHOICES: Readonly<Record<string, FeaturePipeline>> = Object.freeze({
  none: SEED_PIPELINE,
  'per-clip-standardize': STANDARDIZED_PIPELINE,
  'log-mel': LOG_MEL_PIPELINE,
  'log-mel-band': Object.freeze({ ...LOG_MEL_PIPELINE, normalization: 'band-standardize' as const }),
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a descriptor read from model metadata and returns a clean copy. Throws FeaturePipelineError
 * naming what differs when this build cannot compute exactly those features.
 */
export function assertSupportedPipeline(p: unknown): FeaturePipeline {
  if (!isRecord(p)) throw new FeaturePipelineError(`feature pipeline must be an object, got ${p === null ? 'null' : typeof p}`);
  if (p.name === LOG_MEL_PIPELINE_NAME) return assertLogMelPipeline(p);
  if (p.name !== PIPELINE_NAME) throw new FeaturePipelineError(`unknown feature pipeline '${String(p.name)}' (supported: ${PIPELINE_NAMES.map((n) => `'${n}'`).join(', ')})`);
  if (p.version !== PIPELINE_VERSION) {
    throw new FeaturePipelineError(`unsupported ${PIPELINE_NAME} version ${String(p.version)} (supported: ${PIPELINE_VERSION})`);
  }
  if (!isRecord(p.params)) throw new FeaturePipelineError(`${PIPELINE_NAME} params must be an object`);
  const params = p.params;
  const expected = MFCC_PARAMS as Record<string, number>;
  for (const key of Object.keys(expected)) {
    if (params[key] !== expected[key]) {
      throw new FeaturePipelineError(`${PIPELINE_NAME} param ${key}=${JSON.stringify(params[key])} is not supported (this build computes ${key}=${expected[key]})`);
    }
  }
  const extra = Object.keys(params).filter((k) => !(k in expected));
  if (extra.length > 0) throw new FeaturePipelineError(`${PIPELINE_NAME} has unknown params: ${extra.join(', ')}`);
  if (!NORMALIZATIONS.includes(p.normalization as FeatureNormalization)) {
    throw new FeaturePipelineError(`unknown normalization '${String(p.normalization)}' (supported: ${NORMALIZATIONS.join(', ')})`);
  }
  return {
    name: PIPELINE_NAME,
    version: PIPELINE_VERSION,
    params: { ...MFCC_PARAMS },
    normalization: p.normalization as FeatureNormalization,
  };
}

function assertLogMelPipeline(p: Record<string, unknown>): LogMelPipeline {
  if (p.version !== LOG_MEL_PIPELINE_VERSION) {
    throw new FeaturePipelineError(`unsupported ${LOG_MEL_PIPELINE_NAME} version ${String(p.version)} (supported: ${LOG_MEL_PIPELINE_VERSION})`);
  }
  const params = assertLogMelParams(p.params);
  if (!LOG_MEL_NORMALIZATIONS.includes(p.normalization as LogMelNormalization)) {
    throw new FeaturePipelineError(`unknown ${LOG_MEL_PIPELINE_NAME} normalization '${String(p.normalization)}' (supported: ${LOG_MEL_NORMALIZATIONS.join(', ')})`);
  }
  return { name: LOG_MEL_PIPELINE_NAME, version: LOG_MEL_PIPELINE_VERSION, params, normalization: p.normalization as LogMelNormalization };
}

/** [frames, values per frame] of one clip's model input under `pipeline` (the model's input is [frames, values, 1]). */
export function pipelineShape(pipeline: FeaturePipeline): [number, number] {
  const p = assertSupportedPipeline(pipeline);
  return p.name === LOG_MEL_PIPELINE_NAME ? logMelShape(p.params) : [FEATURE_FRAMES, FEATURE_COEFFS];
}

/** In place: each column of a frame-major [frames x coefficients] block -> (x - mean) / max(std, floor). */
export function standardizePerClip(values: Float32Array, options: { frames: number; coefficients: number }): void {
  const { frames, coefficients } = options;
  if (values.length !== frames * coefficients) throw new TypeError(`standardizePerClip: ${values.length} values, expected ${frames} x ${coefficients}`);
  for (let c = 0; c < coefficients; c++) {
    let sum = 0;
    for (let t = 0; t < frames; t++) sum += values[t * coefficients + c];
    const mean = sum / frames;
    let sq = 0;
    for (let t = 0; t < frames; t++) {
      const d = values[t * coefficients + c] - mean;
      sq += d * d;
    }
    const scale = 1 / Math.max(Math.sqrt(sq / frames), STANDARDIZE_STD_FLOOR);
    for (let t = 0; t < frames; t++) values[t * coefficients + c] = (values[t * coefficients + c] - mean) * scale;
  }
}

/** One clip's model input under `pipeline` (pipelineShape(pipeline), frame-major). */
export function extractFeatures(pipeline: FeaturePipeline, clip: Float32Array): Float32Array {
  return extractFeatureBatch(pipeline, [clip]);
}

/**
 * Where each clip of a batch lies in the take it was cut from: `takeOffsets[i]` is the take sample at clip i's
 * first sample when the clip is the take itself there (zeros outside the take), null when it was altered (a fade
 * or mask after the next onset). Overlapping clips then share the spectra of the frames they have in common
 * (log-mel); the features are the same with or without it.
 */
export interface ClipPlacement {
  takeOffsets?: readonly (number | null)[];
}

/**
 * Model input for N clips: N x frames x values frame-major (pipelineShape), ready for tf.tensor4d(values, [N, frames, values, 1]);
 * 87 x 39 for comprehensive-mfcc. Each clip is mono at SAMPLE_RATE; its first 2 s are used (zero-padded when shorter).
 */
export function extractFeatureBatch(pipeline: FeaturePipeline, clips: Float32Array[], placement: ClipPlacement = {}): Float32Array {
  const p = assertSupportedPipeline(pipeline);
  if (!Array.isArray(clips)) throw new TypeError('extractFeatureBatch: clips must be an array of Float32Array');
  const offsets = placement.takeOffsets;
  if (offsets !== undefined && (!Array.isArray(offsets) || offsets.length !== clips.length || !offsets.every((o) => o === null || Number.isInteger(o)))) {
    throw new TypeError('extractFeatureBatch: takeOffsets must hold an integer or null per clip');
  }
  const [frames, values] = pipelineShape(p);
  const size = frames * values;
  const out = new Float32Array(clips.length * size);
  const sharedFrames = new Map<number, Float64Array>();
  clips.forEach((clip, i) => {
    const block = out.subarray(i * size, (i + 1) * size);
    if (p.name === LOG_MEL_PIPELINE_NAME) {
      const origin = offsets?.[i] ?? null;
      logMelInto(clip, p, block, origin === null || clip.length !== p.params.clipSamples ? {} : { shared: { origin, frames: sharedFrames } });
      return;
    }
    block.set(comprehensiveMfcc(clip).values);
    if (p.normalization === 'per-clip-standardize') standardizePerClip(block, { frames: FEATURE_FRAMES, coefficients: FEATURE_COEFFS });
  });
  return out;
}
