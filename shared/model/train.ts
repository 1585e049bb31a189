/**
 * Deterministic, resumable, time-budgeted training of the seed CNN (custom loop over the Keras-equivalent
 * objective: sparse categorical cross-entropy + L2(1e-3) on the conv kernels, Adam, batch 32, early stopping on
 * validation loss restoring the best weights).
 *
 * Determinism: initial weights come from seeded initializers; epoch e's shuffle and its dropout masks come from
 * a seed drawn from one Rng(seed); the wasm backend is single-threaded. A session stops at a time budget after
 * any batch and returns a TrainingCheckpoint; `trainSession({ ..., checkpoint })` continues exactly where it stopped.
 */
import * as tf from '../tf';
import { CLASSES } from '../constants';
import { Rng } from '../rng';
import { architectureOfWeights, buildArchitecture, CONV_L2, DROPOUT_RATE, restoreWeights, SEED_CNN, snapshotWeights } from './architecture';
import { mixupInPlace, smoothedTargets, specAugmentInPlace, timeShiftInPlace } from './augment';
import { exampleSize, featureShape, FeatureSet } from './data';
import { EpochStats } from './history';
import { TrainingConfig } from './metadata';

export const DEFAULT_TRAINING_CONFIG: TrainingConfig = {
  seed: 1,
  maxEpochs: 30,
  batchSize: 32,
  learningRate: 1e-4,
  patience: 5,
};

export const CHECKPOINT_FORMAT = 'buzzfinder-training-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface TrainingCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: typeof CHECKPOINT_VERSION;
  config: TrainingConfig;
  /** Identifies the training data; resuming on other data is refused. */
  dataFingerprint: string;
  /** Epochs completed. */
  epoch: number;
  /** Batches completed within epoch `epoch + 1` (0 at an epoch boundary). */
  batch: number;
  /** The running sums of the unfinished epoch. */
  epochProgress: { lossSum: number; correct: number; seen: number; seconds: number };
  /** The Rng that draws each epoch's seed, as it stands after drawing `epochSeed`. */
  rng: { state: number; spareGaussian: number | null };
  /** Seed of the current epoch's shuffle and dropout masks. */
  epochSeed: number;
  /** Every model weight (incl. BatchNorm moving statistics), in model.getWeights() order. */
  weights: Float32Array[];
  /** Adam state (optimizer.getWeights(): iterations, first moments, second moments). */
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
  /**
   * Adam's running beta1^t and beta2^t as training left them (products rounded step by step; setWeights recomputes them
   * with pow, which rounds differently, and the BatchNorm-normalised networks amplify that into visibly different weights).
   */
  optimizerPowers?: [number, number];
  /** Adam's current learning rate when config.lrDecay has lowered it (absent = config.learningRate). */
  learningRate?: number;
  best: { epoch: number; valLoss: number; weights: Float32Array[] } | null;
  /** Epochs since the best validation loss. */
  sinceBest: number;
  history: EpochStats[];
  done: boolean;
  stoppedEarly: boolean;
  /** Training seconds spent so far over all sessions. */
  elapsedSec: number;
  /** [frames, values] of one example (absent in older checkpoints: 87 x 39). */
  featureShape?: [number, number];
}

export interface TrainingProgress {
  epoch: number;
  maxEpochs: number;
  batch: number;
  batches: number;
  loss: number;
  acc: number;
  /** Set at the end of an epoch. */
  valLoss?: number;
  valAcc?: number;
  epochDone: boolean;
  /** Seconds left if every remaining epoch runs (an upper bound under early stopping). */
  etaSec: number;
}

/** One progress line (epoch, batch, loss, accuracy, validation at epoch ends, ETA) for logs and the CLI. */
export function formatTrainingProgress(p: TrainingProgress): string {
  const validation = p.epochDone && p.valLoss !== undefined && p.valAcc !== undefined ? ` val_loss ${p.valLoss.toFixed(4)} val_acc ${p.valAcc.toFixed(3)}` : '';
  return `epoch ${p.epoch}/${p.maxEpochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${p.acc.toFixed(3)}${validation} eta ${Math.round(p.etaSec)}s`;
}

export interface TrainedModel {
  /** Holds the best weights (lowest validation loss). The caller owns it. */
  model: tf.LayersModel;
  history: EpochStats[];
  bestEpoch: number;
  bestValLoss: number;
  epochsRun: number;
  stoppedEarly: boolean;
  elapsedSec: number;
}

export interface TrainSessionOptions {
  train: FeatureSet;
  validation: FeatureSet;
  config?: Partial<TrainingConfig>;
  /** Continue from here (config and data must match). */
  checkpoint?: TrainingCheckpoint;
  /** Fine-tuning: start from these weights (model.getWeights() order of the seed CNN) instead of the initializers. */
  initialWeights?: Float32Array[];
  /** With config.distillation: the teacher's class probabilities for every training example (train.n x 3). */
  teacherProbs?: Float32Array;
  /** Stop after the batch during which this many ms have passed (checked after every batch). */
  timeBudgetMs?: number;
  /** Clock (ms), injectable for tests. */
  now?: () => number;
  onProgress?: (p: TrainingProgress) => void;
  /** Report progress every this many batches (and at every epoch end). */
  progressEveryBatches?: number;
}

export interface TrainSessionResult {
  done: boolean;
  checkpoint: TrainingCheckpoint;
  result?: TrainedModel;
}

/** A cheap content fingerprint of a feature set (FNV-1a over labels and a strided sample of values). */
export function fingerprintFeatureSet(...sets: FeatureSet[]): string {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    h ^= v & 0xffffffff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (const s of sets) {
    mix(s.n);
    for (let i = 0; i < s.n; i++) mix(s.y[i]);
    const step = Math.max(1, Math.floor(s.x.length / 4096));
    for (let i = 0; i < s.x.length; i += step) {
      f32[0] = s.x[i];
      mix(u32[0]);
    }
  }
  return h.toString(16).padStart(8, '0');
}

function resolveConfig(partial: Partial<TrainingConfig> | undefined): TrainingConfig {
  const c = { ...DEFAULT_TRAINING_CONFIG, ...partial };
  if (!Number.isInteger(c.seed)) throw new TypeError(`training seed must be an integer, got ${c.seed}`);
  for (const k of ['maxEpochs', 'batchSize', 'patience'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new TypeError(`training ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.bnMomentum !== undefined && !(c.bnMomentum > 0 && c.bnMomentum < 1)) throw new TypeError(`training bnMomentum must be in (0, 1), got ${c.bnMomentum}`);
  if (!(c.learningRate > 0)) throw new TypeError(`training learningRate must be positive, got ${c.learningRate}`);
  if (c.labelSmoothing !== undefined && !(c.labelSmoothing >= 0 && c.labelSmoothing < 1)) throw new TypeError(`training labelSmoothing must be in [0, 1), got ${c.labelSmoothing}`);
  if (c.lrDecay !== undefined && !(c.lrDecay > 0 && c.lrDecay <= 1)) throw new TypeError(`training lrDecay must be in (0, 1], got ${c.lrDecay}`);
  if (c.mixupAlpha !== undefined && !(c.mixupAlpha >= 0)) throw new TypeError(`training mixupAlpha must be >= 0, got ${c.mixupAlpha}`);
  if (c.distillation && !(c.distillation.weight > 0 && c.distillation.weight <= 1)) throw new TypeError(`training distillation weight must be in (0, 1], got ${c.distillation.weight}`);
  if (c.timeShiftFrames !== undefined && !(Number.isInteger(c.timeShiftFrames) && c.timeShiftFrames >= 0)) throw new TypeError(`training timeShiftFrames must be a non-negative integer, got ${c.timeShiftFrames}`);
  const sa = c.specAugment;
  if (sa && ![sa.timeMasks, sa.maxTimeWidth, sa.bandMasks, sa.maxBandWidth].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new TypeError(`training specAugment counts and widths must be non-negative integers, got ${JSON.stringify(sa)}`);
  }
  return c;
}

function assertFeatureSet(set: FeatureSet, name: string): void {
  if (set.n < 1) throw new TypeError(`${name} set is empty`);
  if (set.x.length !== set.n * exampleSize(set) || set.y.length !== set.n) throw new TypeError(`${name} set arrays do not match n=${set.n}`);
}

function buildFor(config: TrainingConfig, shape: readonly [number, number]): tf.LayersModel {
  return buildArchitecture(config.architecture ?? SEED_CNN, { seed: config.seed, bnMomentum: config.bnMomentum, inputShape: [shape[0], shape[1], 1] });
}

/**
 * Forward pass. Models with Dropout (the seed CNN, sequential) run layer by layer so that Dropout uses our seeded mask
 * (tfjs's seeded Dropout repeats one mask); models without Dropout (any graph, e.g. residual) run as a whole.
 */
function forward(model: tf.LayersModel, x: tf.Tensor, training: boolean, dropoutSeed: number): tf.Tensor {
  if (!model.layers.some((l) => l.getClassName() === 'Dropout')) return model.apply(x, { training }) as tf.Tensor;
  let h = x;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'InputLayer') continue;
    if (kind === 'Dropout') {
      if (training) h = tf.dropout(h, DROPOUT_RATE, undefined, dropoutSeed);
      continue;
    }
    h = layer.apply(h, { training }) as tf.Tensor;
  }
  return h;
}

function convKernels(model: tf.LayersModel): tf.Tensor[] {
  return model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.getWeights()[0]);
}

/**
 * Keras's loss: mean categorical CE of clipped softmax outputs against `targets` (one-hot, or soft under label
 * smoothing / mixup) + 0.001 * sum(w^2) over conv kernels.
 */
function objective(model: tf.LayersModel, probs: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  const clipped = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.log(clipped)), 1)));
  const l2 = tf.addN(convKernels(model).map((w) => tf.sum(tf.square(w))));
  return tf.add(ce, tf.mul(CONV_L2, l2)) as tf.Scalar;
}

/** A batch: inputs, integer labels (for accuracy) and the loss targets (n x 3). */
interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  targets: tf.Tensor2D;
}

/**
 * The examples order[start..end) as tensors; with `augment`, the config's regularisers drawn from `rng`, and with
 * `teacherProbs` the distillation targets (blended before mixup, which then mixes them like labels).
 */
function batchTensors(
  set: FeatureSet,
  indices: ArrayLike<number>,
  start: number,
  end: number,
  augment?: { config: TrainingConfig; rng: Rng; teacherProbs?: Float32Array },
): Batch {
  const count = end - start;
  const size = exampleSize(set);
  const [frames, width] = featureShape(set);
  const xs = new Float32Array(count * size);
  const ys = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const idx = indices[start + i];
    xs.set(set.x.subarray(idx * size, (idx + 1) * size), i * size);
    ys[i] = set.y[idx];
  }
  const k = CLASSES.length;
  const targets = smoothedTargets(ys, k, augment?.config.labelSmoothing ?? 0);
  if (augment) {
    const { config, rng, teacherProbs } = augment;
    if (config.distillation && teacherProbs) {
      const w = config.distillation.weight;
      for (let i = 0; i < count; i++) {
        for (let c = 0; c < k; c++) targets[i * k + c] = (1 - w) * targets[i * k + c] + w * teacherProbs[indices[start + i] * k + c];
      }
    }
    // Shift first, so that masks fall anywhere on the moved clip.
    if (config.timeShiftFrames) timeShiftInPlace(xs, count, frames, width, rng, config.timeShiftFrames);
    if (config.specAugment) specAugmentInPlace(xs, count, frames, width, rng, config.specAugment);
    if (config.mixupAlpha) mixupInPlace(xs, targets, count, rng, config.mixupAlpha);
  }
  return { x: tf.tensor4d(xs, [count, frames, width, 1]), y: tf.tensor1d(ys, 'int32'), targets: tf.tensor2d(targets, [count, k]) };
}

/** Loss (objective incl. L2, as Keras reports val_loss) and accuracy in inference mode. */
export function evaluateLossAndAccuracy(model: tf.LayersModel, set: FeatureSet, batchSize = 128): { loss: number; acc: number } {
  const order = Array.from({ length: set.n }, (_, i) => i);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.n; start += batchSize) {
    const end = Math.min(set.n, start + batchSize);
    const [l, c] = tf.tidy(() => {
      const { x, y, targets } = batchTensors(set, order, start, end);
      const probs = forward(model, x, false, 0);
      const loss = objective(model, probs, targets);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), y), 'float32'));
      return [loss.dataSync()[0], hits.dataSync()[0]];
    });
    lossSum += l * (end - start);
    correct += c;
  }
  return { loss: lossSum / set.n, acc: correct / set.n };
}

function epochOrder(n: number, epochSeed: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  new Rng(epochSeed).shuffle(order);
  return Int32Array.from(order);
}

function dropoutSeed(epochSeed: number, batch: number): number {
  return (Math.imul(epochSeed ^ 0x5bd1e995, 31) + batch * 7919) >>> 0;
}

function newCheckpoint(config: TrainingConfig, dataFingerprint: string, model: tf.LayersModel, shape: readonly [number, number]): TrainingCheckpoint {
  const rng = new Rng(config.seed);
  const epochSeed = rng.int(0, 0x7fffffff);
  return {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    config,
    dataFingerprint,
    epoch: 0,
    batch: 0,
    epochProgress: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
    rng: rng.snapshot(),
    epochSeed,
    weights: snapshotWeights(model),
    optimizer: [],
    best: null,
    sinceBest: 0,
    history: [],
    done: false,
    stoppedEarly: false,
    elapsedSec: 0,
    featureShape: [shape[0], shape[1]],
  };
}

/** The private running powers of tfjs's AdamOptimizer (absent on other optimizers). */
type AdamPowers = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

async function optimizerPowers(optimizer: tf.Optimizer): Promise<[number, number] | undefined> {
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamPowers;
  if (!accBeta1 || !accBeta2) return undefined;
  return [(await accBeta1.data())[0], (await accBeta2.data())[0]];
}

function restoreOptimizerPowers(optimizer: tf.Optimizer, powers: [number, number]): void {
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamPowers;
  if (!accBeta1 || !accBeta2) return;
  tf.tidy(() => {
    accBeta1.assign(tf.scalar(powers[0]));
    accBeta2.assign(tf.scalar(powers[1]));
  });
}

async function optimizerState(optimizer: tf.Optimizer): Promise<TrainingCheckpoint['optimizer']> {
  const weights = await optimizer.getWeights();
  const state = await Promise.all(weights.map(async (w) => ({ name: w.name, shape: w.tensor.shape, values: Float32Array.from(await w.tensor.data()) })));
  // The iteration count is a fresh scalar; the moments are the optimizer's own variables (disposed with it).
  weights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  return state;
}

function finish(model: tf.LayersModel, ckpt: TrainingCheckpoint): TrainedModel {
  if (ckpt.best) restoreWeights(model, ckpt.best.weights);
  return {
    model,
    history: ckpt.history,
    bestEpoch: ckpt.best?.epoch ?? ckpt.epoch,
    bestValLoss: ckpt.best?.valLoss ?? NaN,
    epochsRun: ckpt.epoch,
    stoppedEarly: ckpt.stoppedEarly,
    elapsedSec: ckpt.elapsedSec,
  };
}

/**
 * The model a checkpoint stands for, with its best weights so far (or its current ones before any epoch ended):
 * for giving up on a run at a deadline without losing what it learned.
 */
export function resultFromCheckpoint(checkpoint: TrainingCheckpoint): TrainedModel {
  const model = buildFor(checkpoint.config, checkpoint.featureShape ?? featureShape({}));
  restoreWeights(model, checkpoint.weights);
  return finish(model, checkpoint);
}

/**
 * Trains until done (max epochs or early stop) or until the time budget runs out.
 * Returns the checkpoint in both cases; `result` (with the best weights) only when done.
 */
export async function trainSession(options: TrainSessionOptions): Promise<TrainSessionResult> {
  const { train, validation, onProgress, timeBudgetMs, progressEveryBatches = 10 } = options;
  const now = options.now ?? (() => Date.now());
  assertFeatureSet(train, 'training');
  assertFeatureSet(validation, 'validation');
  const fingerprint = fingerprintFeatureSet(train, validation);
  const config = resolveConfig(options.checkpoint?.config ?? options.config);
  if (options.teacherProbs && !config.distillation) throw new TypeError('trainSession: teacherProbs given without config.distillation');
  if (config.distillation && options.teacherProbs?.length !== train.n * CLASSES.length) {
    throw new TypeError(`trainSession: distillation needs teacherProbs with ${train.n} x ${CLASSES.length} values, got ${options.teacherProbs?.length ?? 'none'}`);
  }
  if (!options.checkpoint && options.initialWeights && config.architecture === undefined) {
    // Fine-tuning without a named architecture: the parent's, recognised by its weights.
    const shape = featureShape(train);
    const parent = architectureOfWeights(options.initialWeights, [shape[0], shape[1], 1]);
    if (!parent) throw new TypeError(`trainSession: initialWeights fit no known architecture for ${shape.join(' x ')} inputs`);
    if (parent !== SEED_CNN) config.architecture = parent;
  }
  if (options.checkpoint) {
    const c = options.checkpoint;
    if (c.format !== CHECKPOINT_FORMAT || c.formatVersion !== CHECKPOINT_VERSION) throw new TypeError('trainSession: not a training checkpoint');
    if (c.dataFingerprint !== fingerprint) throw new TypeError(`trainSession: checkpoint was made on other data (${c.dataFingerprint} != ${fingerprint})`);
  }
  const sessionStart = now();
  const shape = featureShape(train);
  if (featureShape(validation).join() !== shape.join()) throw new TypeError(`trainSession: validation examples are ${featureShape(validation).join('x')}, training ${shape.join('x')}`);
  const model = buildFor(config, shape);
  let ckpt: TrainingCheckpoint;
  if (options.checkpoint) {
    ckpt = structuredClone(options.checkpoint);
    restoreWeights(model, ckpt.weights);
  } else {
    if (options.initialWeights) restoreWeights(model, options.initialWeights);
    ckpt = newCheckpoint(config, fingerprint, model, shape);
  }
  if (ckpt.done) return { done: true, checkpoint: ckpt, result: finish(model, ckpt) };

  const optimizer = tf.train.adam(ckpt.learningRate ?? config.learningRate);
  if (ckpt.optimizer.length > 0) {
    const named = ckpt.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
    await optimizer.setWeights(named);
    tf.dispose(named.map((w) => w.tensor));
    if (ckpt.optimizerPowers) restoreOptimizerPowers(optimizer, ckpt.optimizerPowers);
  }
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const batches = Math.ceil(train.n / config.batchSize);
  let outOfTime = false;

  try {
    while (!ckpt.done && !outOfTime) {
      const epochNumber = ckpt.epoch + 1;
      const order = epochOrder(train.n, ckpt.epochSeed);
      const epochClockStart = now() - ckpt.epochProgress.seconds * 1000;
      for (let b = ckpt.batch; b < batches; b++) {
        const start = b * config.batchSize;
        const end = Math.min(train.n, start + config.batchSize);
        const batchSeed = dropoutSeed(ckpt.epochSeed, b);
        const { x, y, targets } = batchTensors(train, order, start, end, { config, rng: new Rng(batchSeed ^ 0x2545f491), teacherProbs: options.teacherProbs });
        const kept: { hits?: tf.Tensor } = {};
        const cost = optimizer.minimize(
          () => {
            const probs = forward(model, x, true, batchSeed);
            kept.hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), y), 'float32')));
            return objective(model, probs, targets);
          },
          true,
          trainable,
        );
        const lossValue = cost ? (await cost.data())[0] : NaN;
        const hitValue = kept.hits ? (await kept.hits.data())[0] : 0;
        tf.dispose([x, y, targets]);
        if (cost) cost.dispose();
        if (kept.hits) kept.hits.dispose();
        ckpt.epochProgress.lossSum += lossValue * (end - start);
        ckpt.epochProgress.correct += hitValue;
        ckpt.epochProgress.seen += end - start;
        ckpt.batch = b + 1;
        const epochSeconds = (now() - epochClockStart) / 1000;
        ckpt.epochProgress.seconds = epochSeconds;
        const meanEpoch = ckpt.history.length ? ckpt.history.reduce((s, h) => s + h.seconds, 0) / ckpt.history.length : (epochSeconds / (b + 1)) * batches;
        const eta = Math.max(0, meanEpoch - epochSeconds) + meanEpoch * (config.maxEpochs - epochNumber);
        if (onProgress && b + 1 < batches && (b + 1) % progressEveryBatches === 0) {
          onProgress({
            epoch: epochNumber,
            maxEpochs: config.maxEpochs,
            batch: b + 1,
            batches,
            loss: ckpt.epochProgress.lossSum / ckpt.epochProgress.seen,
            acc: ckpt.epochProgress.correct / ckpt.epochProgress.seen,
            epochDone: false,
            etaSec: eta,
          });
        }
        if (timeBudgetMs !== undefined && now() - sessionStart >= timeBudgetMs && b + 1 < batches) {
          outOfTime = true;
          break;
        }
      }
      if (outOfTime) break;

      // End of epoch: validation, history, early stopping, next epoch's seed.
      const val = evaluateLossAndAccuracy(model, validation);
      const seconds = (now() - epochClockStart) / 1000;
      const stats: EpochStats = {
        epoch: epochNumber,
        loss: ckpt.epochProgress.lossSum / ckpt.epochProgress.seen,
        acc: ckpt.epochProgress.correct / ckpt.epochProgress.seen,
        valLoss: val.loss,
        valAcc: val.acc,
        seconds,
      };
      ckpt.history.push(stats);
      ckpt.epoch = epochNumber;
      ckpt.batch = 0;
      ckpt.epochProgress = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
      if (!ckpt.best || val.loss < ckpt.best.valLoss) {
        ckpt.best = { epoch: epochNumber, valLoss: val.loss, weights: snapshotWeights(model) };
        ckpt.sinceBest = 0;
      } else {
        ckpt.sinceBest++;
        if (config.lrDecay !== undefined && config.lrDecay < 1) {
          // Reduce on plateau: tfjs's Adam reads its (protected) learningRate at every step.
          ckpt.learningRate = (ckpt.learningRate ?? config.learningRate) * config.lrDecay;
          (optimizer as unknown as { learningRate: number }).learningRate = ckpt.learningRate;
        }
      }
      if (ckpt.sinceBest >= config.patience) {
        ckpt.done = true;
        ckpt.stoppedEarly = true;
      } else if (ckpt.epoch >= config.maxEpochs) {
        ckpt.done = true;
      }
      const rng = Rng.restore(ckpt.rng);
      ckpt.epochSeed = rng.int(0, 0x7fffffff);
      ckpt.rng = rng.snapshot();
      const meanEpoch = ckpt.history.reduce((s, h) => s + h.seconds, 0) / ckpt.history.length;
      onProgress?.({
        epoch: epochNumber,
        maxEpochs: config.maxEpochs,
        batch: batches,
        batches,
        loss: stats.loss,
        acc: stats.acc,
        valLoss: stats.valLoss,
        valAcc: stats.valAcc,
        epochDone: true,
        etaSec: ckpt.done ? 0 : meanEpoch * (config.maxEpochs - epochNumber),
      });
      if (timeBudgetMs !== undefined && now() - sessionStart >= timeBudgetMs) outOfTime = true;
    }
    ckpt.weights = snapshotWeights(model);
    ckpt.optimizer = await optimizerState(optimizer);
    const powers = await optimizerPowers(optimizer);
    if (powers) ckpt.optimizerPowers = powers;
    ckpt.elapsedSec += (now() - sessionStart) / 1000;
  } finally {
    optimizer.dispose();
  }
  if (ckpt.done) return { done: true, checkpoint: ckpt, result: finish(model, ckpt) };
  model.dispose();
  return { done: false, checkpoint: ckpt };
}
