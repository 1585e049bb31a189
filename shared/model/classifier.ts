/**
 * The tfjs implementation of ClipClassifier: features with the pipeline the model was trained with
 * (from its metadata), then the network (folded for inference, inference.ts), in batches, inside tf.tidy.
 */
import * as tf from '../tf';
import { ClassProbabilities, ClipClassifier, ModelIdentity, probabilitiesFromVector } from '../classifier';
import { CLASSES } from '../constants';
import { assertSupportedPipeline, ClipPlacement, extractFeatureBatch, FeaturePipeline, pipelineShape } from '../features/pipeline';
import { ObjectStore } from '../storage/types';
import { loadModelArtifact } from './artifact';
import { InferenceNetwork } from './inference';
import { ModelFormatError } from './io';
import { ModelMetadata } from './metadata';

/** Inference batch: bounds peak memory for long takes while keeping the wasm matmuls efficient. */
export const PREDICT_BATCH = 64;

/** [frames, values] of the model's input ([batch, frames, values, 1]). */
export function modelInputShape(model: Pick<tf.LayersModel, 'inputs'>): [number, number] {
  const shape = model.inputs[0].shape;
  if (shape.length !== 4 || shape[3] !== 1 || typeof shape[1] !== 'number' || typeof shape[2] !== 'number') {
    throw new TypeError(`model input shape ${JSON.stringify(shape)} is not [batch, frames, values, 1]`);
  }
  return [shape[1], shape[2]];
}

/**
 * Runs `forward` on n examples of `shape` stored back to back in `values`, `batchSize` at a time (bounded memory,
 * one tensor per batch inside tf.tidy); returns n x `outputs`, row-major.
 */
export function predictInBatches(
  forward: (x: tf.Tensor) => tf.Tensor,
  values: Float32Array,
  n: number,
  shape: readonly number[],
  outputs: number,
  batchSize = PREDICT_BATCH,
): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`predictInBatches: n must be a non-negative integer, got ${n}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n * size) throw new TypeError(`predictInBatches: expected ${n} x ${size} values, got ${values.length}`);
  const out = new Float32Array(n * outputs);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const y = tf.tidy(() => forward(tf.tensor(values.subarray(start * size, (start + count) * size), [count, ...shape])));
    out.set(y.dataSync(), start * outputs);
    y.dispose();
  }
  return out;
}

/**
 * Runs the network on N feature matrices (N x frames x values, frame-major, e.g. 87 x 39); returns N x 3
 * probabilities, row-major. Serving passes the folded network; a LayersModel runs as it is (training, evaluation).
 */
export function predictFeatures(model: tf.LayersModel | InferenceNetwork, values: Float32Array, n: number, batchSize = PREDICT_BATCH): Float32Array {
  const [frames, width] = modelInputShape(model);
  // One pass per batch, no re-slicing into 32s.
  const forward = (x: tf.Tensor) => (model instanceof InferenceNetwork ? model.predict(x) : (model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor));
  return predictInBatches(forward, values, n, [frames, width, 1], CLASSES.length, batchSize);
}

export class TfClipClassifier implements ClipClassifier {
  readonly identity: ModelIdentity;
  readonly pipeline: FeaturePipeline;
  private folded: InferenceNetwork | undefined;

  constructor(
    readonly model: tf.LayersModel,
    readonly metadata: ModelMetadata,
  ) {
    this.identity = { name: metadata.name, version: metadata.version };
    this.pipeline = assertSupportedPipeline(metadata.featurePipeline);
    const features = pipelineShape(this.pipeline);
    const input = modelInputShape(model);
    if (features.join() !== input.join()) {
      throw new ModelFormatError(`feature pipeline '${this.pipeline.name}' gives ${features.join(' x ')} inputs, the network takes ${input.join(' x ')}`);
    }
  }

  async classifyClips(clips: Float32Array[], placement?: ClipPlacement): Promise<ClassProbabilities[]> {
    if (!Array.isArray(clips)) throw new TypeError('classifyClips: clips must be an array of Float32Array');
    if (clips.length === 0) return [];
    return this.classifyFeatures(extractFeatureBatch(this.pipeline, clips, placement), clips.length);
  }

  /** The model folded for inference, built on first use (a classifier only wrapped by another never builds it). */
  get network(): InferenceNetwork {
    this.folded ??= InferenceNetwork.compile(this.model);
    return this.folded;
  }

  /** For inputs already computed with `this.pipeline` (N x pipelineShape, frame-major). */
  classifyFeatures(values: Float32Array, n: number): ClassProbabilities[] {
    const probs = predictFeatures(this.network, values, n);
    const k = CLASSES.length;
    return Array.from({ length: n }, (_, i) => probabilitiesFromVector(probs.subarray(i * k, (i + 1) * k)));
  }

  dispose(): void {
    this.folded?.dispose();
    this.model.dispose();
  }
}

/** Loads the artifact at `prefix` (a registry version or a model folder). Call initTf() first. */
export async function loadClassifier(store: ObjectStore, prefix: string): Promise<TfClipClassifier> {
  const { model, metadata } = await loadModelArtifact(store, prefix);
  try {
    return new TfClipClassifier(model, metadata);
  } catch (err) {
    model.dispose();
    throw err;
  }
}
