/**
 * Reads a Keras 2.x HDF5 model file (what `model.save('x.h5')` writes) with jsfive, a pure-JS HDF5 reader:
 * the root attribute `model_config` (layer config JSON) and, per layer, the weights listed in
 * `model_weights/<layer>` attribute `weight_names` (e.g. 'conv2d/kernel:0').
 */
import { BuzzfinderError } from '../../shared/errors';

// jsfive ships CommonJS without type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hdf5 = require('jsfive') as {
  File: new (buffer: ArrayBuffer, filename: string) => H5Group;
};

interface H5Node {
  attrs: Record<string, unknown>;
}
interface H5Group extends H5Node {
  keys: string[];
  get(path: string): H5Group | H5Dataset;
}
interface H5Dataset extends H5Node {
  shape: number[];
  dtype: string;
  value: ArrayLike<number>;
}

export class KerasImportError extends BuzzfinderError {
  constructor(message: string) {
    super('bad_keras_model', message);
  }
}

export interface KerasWeight {
  /** e.g. 'conv2d/kernel:0'. */
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface KerasLayerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

export interface KerasH5Model {
  kerasVersion: string;
  backend: string;
  modelClass: string;
  /** Layers in order, InputLayer included when the file lists it. */
  layers: KerasLayerConfig[];
  /** Weights per layer name, in the file's weight_names order. */
  weights: Map<string, KerasWeight[]>;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  throw new KerasImportError(`expected a string attribute, got ${typeof value}`);
}

function asTextList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(asText);
  return [asText(value)];
}

export function readKerasH5(bytes: Uint8Array, filename = 'model.h5'): KerasH5Model {
  // HDF5 files start with this 8-byte signature.
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b)) throw new KerasImportError(`${filename} is not an HDF5 file`);
  let file: H5Group;
  try {
    file = new hdf5.File(bytes.slice().buffer, filename);
  } catch (err) {
    throw new KerasImportError(`${filename}: unreadable HDF5 (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!('model_config' in file.attrs)) throw new KerasImportError(`${filename} has no 'model_config' attribute (not a Keras model.save() file?)`);
  let config: { class_name: string; config: { layers?: KerasLayerConfig[] } };
  try {
    config = JSON.parse(asText(file.attrs.model_config));
  } catch (err) {
    if (err instanceof KerasImportError) throw err;
    throw new KerasImportError(`${filename}: model_config is not valid JSON`);
  }
  const layers = config?.config?.layers;
  if (!Array.isArray(layers)) throw new KerasImportError(`${filename}: model_config has no layer list (class ${config?.class_name})`);
  if (!file.keys.includes('model_weights')) throw new KerasImportError(`${filename} has no model_weights group`);
  const modelWeights = file.get('model_weights') as H5Group;
  const weights = new Map<string, KerasWeight[]>();
  for (const layerName of asTextList(modelWeights.attrs.layer_names)) {
    const group = modelWeights.get(layerName) as H5Group;
    const list: KerasWeight[] = [];
    for (const name of asTextList(group.attrs.weight_names)) {
      const ds = group.get(name) as H5Dataset;
      if (!ds || !Array.isArray(ds.shape)) throw new KerasImportError(`${filename}: weight ${layerName}/${name} is missing`);
      if (!/^<f4$|^<f8$/.test(ds.dtype)) throw new KerasImportError(`${filename}: weight ${name} has unsupported dtype ${ds.dtype}`);
      list.push({ name, shape: ds.shape.slice(), values: Float32Array.from(ds.value) });
    }
    weights.set(layerName, list);
  }
  return {
    kerasVersion: asText(file.attrs.keras_version ?? 'unknown'),
    backend: asText(file.attrs.backend ?? 'unknown'),
    modelClass: config.class_name,
    layers,
    weights,
  };
}
