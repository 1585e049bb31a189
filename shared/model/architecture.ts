/**
 * The seed project's CNN, layer for layer (checked against the Keras config in model_5to1_aug.h5):
 * Conv2D 64 3x3 valid relu (L2 1e-3) -> BatchNorm -> MaxPool 3x3/2 same
 * Conv2D 32 3x3 valid relu (L2 1e-3) -> BatchNorm -> MaxPool 3x3/2 same
 * Conv2D 32 2x2 valid relu (L2 1e-3) -> BatchNorm -> MaxPool 2x2/2 same
 * Flatten -> Dense 64 relu -> Dropout 0.3 -> Dense 3 softmax (CLASSES order).
 * Input [87, 39, 1]. 105,923 parameters.
 */
import * as tf from '../tf';
import { CLASSES, FEATURE_COEFFS, FEATURE_FRAMES } from '../constants';
import { buildResCnn, RES_CNN, RES_CNN_MEDIUM, RES_CNN_SMALL } from './res-cnn';

export const SEED_CNN = 'seed-cnn';
export const INPUT_SHAPE: [number, number, number] = [FEATURE_FRAMES, FEATURE_COEFFS, 1];
/** Keras L2(0.001) on the three conv kernels: loss += 0.001 * sum(w^2). */
export const CONV_L2 = 0.001;
export const DROPOUT_RATE = 0.3;
/** Keras BatchNormalization defaults used by the seed. */
export const BN_MOMENTUM = 0.99;
export const BN_EPSILON = 0.001;

/**
 * Builds the (uncompiled) seed CNN with every initializer seeded from `seed`. `bnMomentum` only affects how fast
 * the BatchNorm moving statistics follow training (0.99 = Keras default = the seed; stored in model.json).
 */
export function buildSeedCnn({ seed, bnMomentum = BN_MOMENTUM }: { seed: number; bnMomentum?: number }): tf.Sequential {
  if (!Number.isInteger(seed)) throw new TypeError(`buildSeedCnn: seed must be an integer, got ${seed}`);
  let next = 0;
  const glorot = () => tf.initializers.glorotUniform({ seed: seed * 97 + ++next });
  const conv = (filters: number, size: number, first = false) =>
    tf.layers.conv2d({
      ...(first ? { inputShape: INPUT_SHAPE } : {}),
      filters,
      kernelSize: size,
      strides: 1,
      padding: 'valid',
      activation: 'relu',
      kernelInitializer: glorot(),
      biasInitializer: 'zeros',
      kernelRegularizer: tf.regularizers.l2({ l2: CONV_L2 }),
    });
  const bn = () => tf.layers.batchNormalization({ axis: 3, momentum: bnMomentum, epsilon: BN_EPSILON });
  const pool = (size: number) => tf.layers.maxPooling2d({ poolSize: size, strides: 2, padding: 'same' });
  const model = tf.sequential();
  model.add(conv(64, 3, true));
  model.add(bn());
  model.add(pool(3));
  model.add(conv(32, 3));
  model.add(bn());
  model.add(pool(3));
  model.add(conv(32, 2));
  model.add(bn());
  model.add(pool(2));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: glorot() }));
  // The seed is not given to the layer: tfjs would reuse one mask for every batch. Training applies its
  // own seeded dropout (train.ts); at inference Dropout is the identity either way.
  model.add(tf.layers.dropout({ rate: DROPOUT_RATE }));
  model.add(tf.layers.dense({ units: CLASSES.length, activation: 'softmax', kernelInitializer: glorot() }));
  return model;
}

/** Architectures `buildArchitecture` (and TrainingConfig.architecture) accept. */
export const ARCHITECTURES = [SEED_CNN, RES_CNN, RES_CNN_MEDIUM, RES_CNN_SMALL] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

/** Builds `name` for inputs [frames, values, 1] (the seed CNN takes only its own 87 x 39 x 1). */
export function buildArchitecture(name: string, options: { seed: number; bnMomentum?: number; inputShape: readonly [number, number, number] }): tf.LayersModel {
  if (name === SEED_CNN) {
    if (options.inputShape.join() !== INPUT_SHAPE.join()) throw new TypeError(`${SEED_CNN} takes input ${JSON.stringify(INPUT_SHAPE)}, got ${JSON.stringify(options.inputShape)}`);
    return buildSeedCnn(options);
  }
  if (name === RES_CNN || name === RES_CNN_MEDIUM || name === RES_CNN_SMALL) return buildResCnn({ ...options, variant: name });
  throw new TypeError(`unknown architecture '${name}' (known: ${ARCHITECTURES.join(', ')})`);
}

/**
 * The architecture whose weights (model.getWeights() order) have exactly these sizes for this input, or null:
 * fine-tuning callers that hold only a parent's weights (e.g. the retrain job) get the parent's network.
 */
export function architectureOfWeights(weights: readonly Float32Array[], inputShape: readonly [number, number, number]): ArchitectureName | null {
  for (const name of ARCHITECTURES) {
    let model: tf.LayersModel;
    try {
      model = buildArchitecture(name, { seed: 0, inputShape });
    } catch {
      continue; // this architecture does not take this input
    }
    const sizes = model.getWeights().map((w) => w.size);
    model.dispose();
    if (sizes.length === weights.length && sizes.every((n, i) => n === weights[i].length)) return name;
  }
  return null;
}

/** Every weight (trainable and BatchNorm moving statistics) as plain arrays, in model order. */
export function snapshotWeights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
}

export function restoreWeights(model: tf.LayersModel, weights: Float32Array[]): void {
  const current = model.getWeights();
  if (current.length !== weights.length) throw new TypeError(`restoreWeights: model has ${current.length} weights, got ${weights.length}`);
  const tensors = current.map((w, i) => {
    if (w.size !== weights[i].length) throw new TypeError(`restoreWeights: weight ${i} has ${w.size} values, got ${weights[i].length}`);
    return tf.tensor(weights[i], w.shape, 'float32');
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}

export function countParameters(model: tf.LayersModel): number {
  return model.countParams();
}
