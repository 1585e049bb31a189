/**
 * `res-cnn`: a small residual CNN for log-mel input (frames x bands x 1), about as cheap to run as the seed CNN
 * (~14 M multiply-adds for 87 x 64), built only from the agreed layer set (Conv2D, BatchNormalization, Activation,
 * MaxPooling2D, Add, GlobalAveragePooling2D, Dense):
 *   Conv 16 3x3 -> BN -> ReLU -> MaxPool 2
 *   Conv 32 3x3 -> BN -> ReLU -> MaxPool 2
 *   residual block: Conv 32 3x3 -> BN -> ReLU -> Conv 32 3x3 -> BN -> Add(input) -> ReLU; MaxPool 2
 *   band head: Conv 64 (3 x all remaining bands) valid -> BN -> ReLU   (weights per frequency region: where the
 *              energy sits matters for buzz vs clean, which a global pool alone would lose)
 *   GlobalAveragePooling2D (over time) -> Dense 3 softmax.
 * No Dropout layer: regularisation comes from augmentation (SpecAugment masks, mixup) and label smoothing.
 *
 * `res-cnn-small` is the same graph with half the convolution channels (8, 16; head 64): about a quarter of the
 * multiply-adds (~3.8 M), ~3x faster on tfjs-wasm. `res-cnn-medium` has three quarters of them (12, 24; head 64):
 * about half the multiply-adds (~8 M). Both are made by shrinking a trained res-cnn (shrink.ts) and distilling it
 * (train.ts), so they can run where res-cnn is the largest stage (the report).
 */
import * as tf from '../tf';
import { CLASSES } from '../constants';

export const RES_CNN = 'res-cnn';
export const RES_CNN_SMALL = 'res-cnn-small';
export const RES_CNN_MEDIUM = 'res-cnn-medium';
export type ResCnnVariant = typeof RES_CNN | typeof RES_CNN_MEDIUM | typeof RES_CNN_SMALL;

/** Output channels of the stem conv, of the residual stage's convs, and of the band head. */
export interface ResCnnWidths {
  stem: number;
  body: number;
  head: number;
}

export const RES_CNN_WIDTHS: Readonly<Record<ResCnnVariant, ResCnnWidths>> = {
  [RES_CNN]: { stem: 16, body: 32, head: 64 },
  [RES_CNN_MEDIUM]: { stem: 12, body: 24, head: 64 },
  [RES_CNN_SMALL]: { stem: 8, body: 16, head: 64 },
};

export function buildResCnn(options: {
  seed: number;
  inputShape: readonly [number, number, number];
  bnMomentum?: number;
  /** Which width set (and model name): res-cnn (default), res-cnn-medium or res-cnn-small. */
  variant?: ResCnnVariant;
}): tf.LayersModel {
  const { seed, inputShape, bnMomentum = 0.9, variant = RES_CNN } = options;
  const widths = RES_CNN_WIDTHS[variant];
  if (!Number.isInteger(seed)) throw new TypeError(`buildResCnn: seed must be an integer, got ${seed}`);
  const [frames, bands, channels] = inputShape;
  if (channels !== 1 || frames < 24 || bands < 16) throw new TypeError(`buildResCnn: input must be [>=24, >=16, 1], got ${JSON.stringify(inputShape)}`);
  let next = 0;
  const init = () => tf.initializers.heNormal({ seed: seed * 97 + ++next });
  const conv = (filters: number, kernelSize: number | [number, number], padding: 'same' | 'valid' = 'same') =>
    tf.layers.conv2d({ filters, kernelSize, padding, useBias: false, kernelInitializer: init() });
  const bn = () => tf.layers.batchNormalization({ axis: 3, momentum: bnMomentum, epsilon: 1e-3 });
  const relu = () => tf.layers.activation({ activation: 'relu' });
  const pool = () => tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' });
  const apply = (x: tf.SymbolicTensor, ...layers: tf.layers.Layer[]) => layers.reduce((h, l) => l.apply(h) as tf.SymbolicTensor, x);

  const input = tf.input({ shape: [...inputShape] });
  let h = apply(input, conv(widths.stem, 3), bn(), relu(), pool());
  h = apply(h, conv(widths.body, 3), bn(), relu(), pool());
  const branch = apply(h, conv(widths.body, 3), bn(), relu(), conv(widths.body, 3), bn());
  h = apply(tf.layers.add().apply([h, branch]) as tf.SymbolicTensor, relu(), pool());
  const remainingBands = h.shape[2] as number;
  h = apply(h, conv(widths.head, [3, remainingBands], 'valid'), bn(), relu());
  h = apply(h, tf.layers.globalAveragePooling2d({}));
  const output = tf.layers.dense({ units: CLASSES.length, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 97 + ++next }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: variant });
}
