/**
 * A model artifact under a prefix of an ObjectStore:
 *   model.json + weights.bin   (standard TensorFlow.js layers-model layout, loadable by any TensorFlow.js)
 *   metadata.json              (ModelMetadata: classes, feature pipeline, training config, metrics, lineage)
 *   learning-curve.svg         (when the metadata carries a training history)
 * metadata.json is written last, so a folder with metadata.json is complete.
 */
import * as tf from '../tf';
import { ObjectStore, writeJson, WriteOptions } from '../storage/types';
import { learningCurveSvg } from './history';
import { joinKey, ModelFormatError, storeIOHandler } from './io';
import { assertModelMetadata, LEARNING_CURVE_SVG, METADATA_JSON, ModelMetadata } from './metadata';

export type { ModelMetadata } from './metadata';

export interface SaveArtifactOptions {
  /** Create-only writes (registry versions are immutable). */
  createOnly?: boolean;
}

export async function saveModelArtifact(
  store: ObjectStore,
  prefix: string,
  model: tf.LayersModel,
  metadata: ModelMetadata,
  options: SaveArtifactOptions = {},
): Promise<void> {
  assertModelMetadata(metadata);
  const writeOptions: Pick<WriteOptions, 'ifGenerationMatch'> = options.createOnly ? { ifGenerationMatch: 0 } : {};
  await model.save(storeIOHandler(store, prefix, { writeOptions }), { includeOptimizer: false });
  if (metadata.history && metadata.history.length > 0) {
    const svg = learningCurveSvg(metadata.history, { title: `${metadata.name} ${metadata.version}`, bestEpoch: metadata.training?.bestEpoch });
    await store.write(joinKey(prefix, LEARNING_CURVE_SVG), svg, { contentType: 'image/svg+xml', ...writeOptions });
  }
  await writeJson(store, joinKey(prefix, METADATA_JSON), metadata, writeOptions);
}

export async function loadModelMetadata(store: ObjectStore, prefix: string): Promise<ModelMetadata> {
  let raw: Uint8Array;
  try {
    raw = await store.read(joinKey(prefix, METADATA_JSON));
  } catch (err) {
    if ((err as { code?: string }).code === 'not_found') throw new ModelFormatError(`no model at '${prefix}' in ${store.location} (${METADATA_JSON} missing)`);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new ModelFormatError(`${joinKey(prefix, METADATA_JSON)} is not valid JSON`);
  }
  return assertModelMetadata(parsed);
}

export interface ModelArtifact {
  model: tf.LayersModel;
  metadata: ModelMetadata;
}

/** Loads metadata then the network. The caller owns `model` (dispose it when done). */
export async function loadModelArtifact(store: ObjectStore, prefix: string): Promise<ModelArtifact> {
  const metadata = await loadModelMetadata(store, prefix);
  const model = await tf.loadLayersModel(storeIOHandler(store, prefix));
  const inShape = model.inputs[0].shape.slice(1);
  if (metadata.inputShape && inShape.join(',') !== metadata.inputShape.join(',')) {
    model.dispose();
    throw new ModelFormatError(`model input ${JSON.stringify(inShape)} differs from metadata ${JSON.stringify(metadata.inputShape)}`);
  }
  return { model, metadata };
}
