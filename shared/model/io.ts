/**
 * A tf.io.IOHandler over an ObjectStore, in TensorFlow.js's standard layout so any TensorFlow.js can load it:
 * `<prefix>/model.json` (modelTopology + weightsManifest [{ paths: ['weights.bin'], weights }]) and `<prefix>/weights.bin`.
 */
import * as tf from '../tf';
import { BuzzfinderError } from '../errors';
import { ObjectStore, WriteOptions } from '../storage/types';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export class ModelFormatError extends BuzzfinderError {
  constructor(message: string) {
    super('bad_model', message);
  }
}

export function joinKey(prefix: string, name: string): string {
  const p = prefix.replace(/\/+$/, '');
  return p ? `${p}/${name}` : name;
}

export interface StoreIOOptions {
  /** Write preconditions for both files (e.g. `{ ifGenerationMatch: 0 }` for immutable registry versions). */
  writeOptions?: Pick<WriteOptions, 'ifGenerationMatch'>;
}

export function storeIOHandler(store: ObjectStore, prefix: string, options: StoreIOOptions = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new TypeError('storeIOHandler: binary topologies are not supported');
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      // Weights first, topology last: a reader that finds model.json finds its weights.
      await store.write(joinKey(prefix, WEIGHTS_BIN), new Uint8Array(weightData), {
        contentType: 'application/octet-stream',
        ...options.writeOptions,
      });
      await store.write(joinKey(prefix, MODEL_JSON), JSON.stringify(modelJson), { contentType: 'application/json', ...options.writeOptions });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(new TextDecoder().decode(await store.read(joinKey(prefix, MODEL_JSON))));
      } catch (err) {
        if (err instanceof BuzzfinderError && err.code === 'not_found') throw new ModelFormatError(`no ${MODEL_JSON} at '${joinKey(prefix, MODEL_JSON)}' in ${store.location}`);
        if (err instanceof SyntaxError) throw new ModelFormatError(`${joinKey(prefix, MODEL_JSON)} is not valid JSON`);
        throw err;
      }
      if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
        throw new ModelFormatError(`${joinKey(prefix, MODEL_JSON)} lacks modelTopology or weightsManifest`);
      }
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of modelJson.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) buffers.push(await store.read(joinKey(prefix, p)));
      }
      const total = buffers.reduce((s, b) => s + b.length, 0);
      const quantized = weightSpecs.some((w) => w.quantization);
      const expected = weightSpecs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'bool' ? 1 : 4), 0);
      if (!quantized && total !== expected) throw new ModelFormatError(`weights are ${total} bytes, the manifest needs ${expected}`);
      const weightData = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) {
        weightData.set(b, offset);
        offset += b.length;
      }
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        trainingConfig: modelJson.trainingConfig,
        weightSpecs,
        weightData: weightData.buffer,
      };
    },
  };
}
