/** Turns labelled clips into the model's input tensors' backing arrays, with the given feature pipeline. */
import { CLASSES, FEATURE_COEFFS, FEATURE_FRAMES } from '../constants';
import type { LabelledClip, Split } from '../dataset/types';
import { extractFeatureBatch, FeaturePipeline, pipelineShape } from '../features/pipeline';

/** Values per example of the seed's comprehensive MFCC (87 x 39). */
export const FEATURE_SIZE = FEATURE_FRAMES * FEATURE_COEFFS;

export interface FeatureSet {
  n: number;
  /** n x frames x values, frame-major. */
  x: Float32Array;
  /** [frames, values] of one example (pipelineShape of its pipeline); [87, 39] (comprehensive MFCC) when absent. */
  shape?: readonly [number, number];
  /** Class index (into CLASSES) per example. */
  y: Int32Array;
  sources: string[];
  groups: string[];
  files: string[];
}

/** Features for `clips`, extracted in chunks (progress through `onProgress(done, total)`). */
export function buildFeatureSet(options: {
  pipeline: FeaturePipeline;
  clips: readonly LabelledClip[];
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}): FeatureSet {
  const { pipeline, clips, chunkSize = 256, onProgress } = options;
  const n = clips.length;
  const shape = pipelineShape(pipeline);
  const size = shape[0] * shape[1];
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let start = 0; start < n; start += chunkSize) {
    const chunk = clips.slice(start, start + chunkSize);
    x.set(extractFeatureBatch(pipeline, chunk.map((c) => c.samples)), start * size);
    onProgress?.(Math.min(n, start + chunkSize), n);
  }
  clips.forEach((c, i) => {
    const k = CLASSES.indexOf(c.label);
    if (k < 0) throw new TypeError(`buildFeatureSet: clip ${c.file} has unknown label '${c.label}'`);
    y[i] = k;
  });
  return { n, x, y, shape, sources: clips.map((c) => c.source), groups: clips.map((c) => c.group), files: clips.map((c) => c.file) };
}

/** [frames, values] of one example of `set`. */
export function featureShape(set: Pick<FeatureSet, 'shape'>): readonly [number, number] {
  return set.shape ?? [FEATURE_FRAMES, FEATURE_COEFFS];
}

/** Values per example of `set`. */
export function exampleSize(set: Pick<FeatureSet, 'shape'>): number {
  const [frames, values] = featureShape(set);
  return frames * values;
}

export function clipsOfSplit<T extends { split: Split }>(clips: readonly T[], split: Split): T[] {
  return clips.filter((c) => c.split === split);
}

/** The examples at `indices`, copied. */
export function subsetFeatureSet(set: FeatureSet, indices: readonly number[]): FeatureSet {
  const size = exampleSize(set);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  indices.forEach((idx, i) => {
    x.set(set.x.subarray(idx * size, (idx + 1) * size), i * size);
    y[i] = set.y[idx];
  });
  return {
    n: indices.length,
    x,
    y,
    ...(set.shape ? { shape: set.shape } : {}),
    sources: indices.map((i) => set.sources[i]),
    groups: indices.map((i) => set.groups[i]),
    files: indices.map((i) => set.files[i]),
  };
}
