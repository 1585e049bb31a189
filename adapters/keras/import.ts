/**
 * Converts the original project's Keras model into a buzzfinder model: the layer configs must be the seed CNN's
 * (checked field by field), the weights are copied into buildSeedCnn() in order. Keras and tfjs share layouts:
 * Conv2D kernels HWIO, Dense kernels [in, out], BatchNorm gamma, beta, moving_mean, moving_variance.
 * The result expects SEED_PIPELINE (raw comprehensive MFCC), which is what the Keras model was trained on.
 */
import * as tf from '../../shared/tf';
import { CLASSES } from '../../shared/constants';
import { SEED_PIPELINE } from '../../shared/features/pipeline';
import { BN_EPSILON, buildSeedCnn, INPUT_SHAPE, SEED_CNN } from '../../shared/model/architecture';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, ModelMetadata } from '../../shared/model/metadata';
import { KerasH5Model, KerasImportError, KerasLayerConfig, KerasWeight, readKerasH5 } from './hdf5';

export { KerasImportError } from './hdf5';

/** What each Keras layer of the seed must be (InputLayer excluded). */
const EXPECTED: { class_name: string; check: Record<string, unknown>; weights: string[] }[] = [
  { class_name: 'Conv2D', check: { filters: 64, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', data_format: 'channels_last' }, weights: ['kernel', 'bias'] },
  { class_name: 'BatchNormalization', check: {}, weights: ['gamma', 'beta', 'moving_mean', 'moving_variance'] },
  { class_name: 'MaxPooling2D', check: { pool_size: [3, 3], strides: [2, 2], padding: 'same' }, weights: [] },
  { class_name: 'Conv2D', check: { filters: 32, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu' }, weights: ['kernel', 'bias'] },
  { class_name: 'BatchNormalization', check: {}, weights: ['gamma', 'beta', 'moving_mean', 'moving_variance'] },
  { class_name: 'MaxPooling2D', check: { pool_size: [3, 3], strides: [2, 2], padding: 'same' }, weights: [] },
  { class_name: 'Conv2D', check: { filters: 32, kernel_size: [2, 2], strides: [1, 1], padding: 'valid', activation: 'relu' }, weights: ['kernel', 'bias'] },
  { class_name: 'BatchNormalization', check: {}, weights: ['gamma', 'beta', 'moving_mean', 'moving_variance'] },
  { class_name: 'MaxPooling2D', check: { pool_size: [2, 2], strides: [2, 2], padding: 'same' }, weights: [] },
  { class_name: 'Flatten', check: {}, weights: [] },
  { class_name: 'Dense', check: { units: 64, activation: 'relu' }, weights: ['kernel', 'bias'] },
  { class_name: 'Dropout', check: {}, weights: [] },
  { class_name: 'Dense', check: { units: CLASSES.length, activation: 'softmax' }, weights: ['kernel', 'bias'] },
];

function checkLayers(layers: KerasLayerConfig[]): KerasLayerConfig[] {
  const body = layers.filter((l) => l.class_name !== 'InputLayer');
  const input = (layers.find((l) => l.class_name === 'InputLayer') ?? body[0])?.config?.batch_input_shape as unknown[] | undefined;
  if (!input || JSON.stringify(input.slice(1)) !== JSON.stringify(INPUT_SHAPE)) {
    throw new KerasImportError(`expected input shape [null, ${INPUT_SHAPE.join(', ')}], got ${JSON.stringify(input)}`);
  }
  if (body.length !== EXPECTED.length) {
    throw new KerasImportError(`expected the seed CNN's ${EXPECTED.length} layers, got ${body.length}: ${body.map((l) => l.class_name).join(', ')}`);
  }
  body.forEach((layer, i) => {
    const want = EXPECTED[i];
    if (layer.class_name !== want.class_name) throw new KerasImportError(`layer ${i + 1} is ${layer.class_name}, expected ${want.class_name}`);
    for (const [key, value] of Object.entries(want.check)) {
      if (JSON.stringify(layer.config[key]) !== JSON.stringify(value)) {
        throw new KerasImportError(`layer ${i + 1} (${String(layer.config.name)}): ${key}=${JSON.stringify(layer.config[key])}, expected ${JSON.stringify(value)}`);
      }
    }
    if (layer.class_name === 'BatchNormalization') {
      const eps = layer.config.epsilon as number;
      if (Math.abs(eps - BN_EPSILON) > 1e-9) throw new KerasImportError(`layer ${i + 1}: BatchNormalization epsilon ${eps}, expected ${BN_EPSILON}`);
      if (layer.config.center === false || layer.config.scale === false) throw new KerasImportError(`layer ${i + 1}: BatchNormalization must have center and scale`);
    }
  });
  return body;
}

/** Per seed layer, the Keras weights in tfjs layer.getWeights() order (BatchNorm: gamma, beta, moving mean, variance). */
function layerWeights(h5: KerasH5Model, body: KerasLayerConfig[]): KerasWeight[][] {
  return body.map((layer, i) => {
    const name = String(layer.config.name);
    const wanted = EXPECTED[i].weights;
    if (wanted.length === 0) return [];
    const stored = h5.weights.get(name);
    if (!stored) throw new KerasImportError(`no weights stored for layer '${name}'`);
    return wanted.map((w) => {
      const found = stored.find((s) => s.name.replace(/:\d+$/, '').split('/').pop() === w);
      if (!found) throw new KerasImportError(`layer '${name}' has no '${w}' weight (has ${stored.map((s) => s.name).join(', ')})`);
      return found;
    });
  });
}

export interface ImportedKerasModel {
  model: tf.LayersModel;
  metadata: ModelMetadata;
}

export function importKerasModel(bytes: Uint8Array, options: { filename?: string; name?: string; version?: string; now?: Date } = {}): ImportedKerasModel {
  const filename = options.filename ?? 'model.h5';
  const h5 = readKerasH5(bytes, filename);
  if (h5.modelClass !== 'Sequential') throw new KerasImportError(`expected a Sequential model, got ${h5.modelClass}`);
  const body = checkLayers(h5.layers);
  const weights = layerWeights(h5, body);
  const model = buildSeedCnn({ seed: 0 });
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  try {
    layers.forEach((layer, i) => {
      const current = layer.getWeights();
      const given = weights[i];
      if (current.length !== given.length) throw new KerasImportError(`layer ${i + 1} needs ${current.length} weights, the file has ${given.length}`);
      given.forEach((w, j) => {
        if (JSON.stringify(w.shape) !== JSON.stringify(current[j].shape)) {
          throw new KerasImportError(`weight ${w.name} has shape ${JSON.stringify(w.shape)}, expected ${JSON.stringify(current[j].shape)}`);
        }
      });
      if (given.length === 0) return;
      const tensors = given.map((w) => tf.tensor(w.values, w.shape, 'float32'));
      layer.setWeights(tensors);
      tf.dispose(tensors);
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  const metadata: ModelMetadata = {
    format: MODEL_METADATA_FORMAT,
    formatVersion: MODEL_METADATA_VERSION,
    name: options.name ?? 'keras-seed',
    version: options.version ?? 'imported',
    created: (options.now ?? new Date()).toISOString(),
    classes: [...CLASSES],
    architecture: SEED_CNN,
    inputShape: [...INPUT_SHAPE],
    featurePipeline: SEED_PIPELINE,
    origin: 'keras-import',
    parentVersion: null,
    notes: { source: filename, kerasVersion: h5.kerasVersion, backend: h5.backend, layers: body.map((l) => String(l.config.name)) },
  };
  return { model, metadata };
}
