/**
 * Personalisation: tuning a trained model to one guitarist's guitar, mic and room from a few labelled notes,
 * without forgetting the rest. Works on any model whose metadata names its feature pipeline: inputs always go
 * through that pipeline, shapes come from the network itself, never from the seed CNN's constants.
 *
 * Recipe (chosen on bench/personalize.ts): the shots, multiplied by augmentation, mixed with replayed generated
 * clips of every class; BatchNorm and Dropout stay in inference mode (a handful of notes must not move the
 * normalisation statistics); Adam on cross-entropy + L2-SP (squared distance of the trained weights to the base
 * weights); optionally only the head (the layers after the last Flatten / global pooling) is trained, in which case
 * the body's outputs are computed once and training costs almost nothing.
 */
import * as tf from '../tf';
import { CLASSES } from '../constants';
import { extractFeatureBatch, FeaturePipeline } from '../features/pipeline';
import { Rng } from '../rng';
import { predictInBatches } from './classifier';
import { EvaluationReport, evaluatePredictions } from './evaluate';
import { augmentShots, LabelledSamples, orderSeed, PersonalizeConfig, PersonalizeError } from './personalize-data';

/** Layers whose output is a flat per-example vector: everything after the last of them is the head. */
const HEAD_BOUNDARY = new Set(['Flatten', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D']);

/** The per-example input shape of a model (without the batch dimension). */
export function exampleShape(model: tf.LayersModel): number[] {
  const shape = model.inputs[0].shape.slice(1);
  if (shape.some((d) => typeof d !== 'number')) throw new PersonalizeError('unsupported_model', `model input shape ${JSON.stringify(shape)} is not fixed`);
  return shape as number[];
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs `model` on n examples of `shape` stored back to back in `values`; returns n x outputs, row-major. */
export function predictModel(model: tf.LayersModel, values: Float32Array, n: number, shape: readonly number[]): Float32Array {
  const outputs = product(model.outputs[0].shape.slice(1) as number[]);
  return predictInBatches((x) => model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor, values, n, shape, outputs);
}

/**
 * The body (input -> last Flatten/global pooling) as a model sharing the base's layers, and the head layers after
 * it, which must form a plain chain ending at the model's output. Null when the model has no such boundary.
 */
export function splitHead(model: tf.LayersModel): { body: tf.LayersModel; head: tf.layers.Layer[] } | null {
  const layers = model.layers;
  let cut = -1;
  layers.forEach((l, i) => {
    if (HEAD_BOUNDARY.has(l.getClassName())) cut = i;
  });
  if (cut < 0 || cut === layers.length - 1 || model.outputs.length !== 1) return null;
  const head = layers.slice(cut + 1);
  let previous = layers[cut];
  for (const layer of head) {
    const inbound = layer.inboundNodes.flatMap((node) => node.inboundLayers);
    if (inbound.length !== 1 || inbound[0] !== previous) return null;
    previous = layer;
  }
  if (head[head.length - 1].output !== model.outputs[0]) return null;
  const body = tf.model({ inputs: model.inputs, outputs: layers[cut].output as tf.SymbolicTensor });
  return { body, head };
}

export interface FineTuneProgress {
  step: number;
  steps: number;
  loss: number;
}

export interface FineTuneResult {
  stepsRun: number;
  stoppedByBudget: boolean;
  /** Mean loss over the first and the last 10 % of the steps run. */
  lossStart: number;
  lossEnd: number;
  trainedParameters: number;
  seconds: number;
}

/**
 * Tunes `model` in place on n labelled examples (`x`: model inputs back to back). Deterministic in `seed`
 * (batch order); stops early once `timeBudgetMs` is spent, keeping the weights reached.
 */
export async function fineTune(options: {
  model: tf.LayersModel;
  x: Float32Array;
  y: Int32Array;
  config: Pick<PersonalizeConfig, 'trainLayers' | 'steps' | 'batchSize' | 'learningRate' | 'l2sp'>;
  seed: number;
  timeBudgetMs?: number;
  now?: () => number;
  onProgress?: (p: FineTuneProgress) => void;
}): Promise<FineTuneResult> {
  const { model, y, config } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const n = y.length;
  let shape = exampleShape(model);
  let inputs = options.x;
  let forward: (t: tf.Tensor) => tf.Tensor = (t) => model.apply(t, { training: false }) as tf.Tensor;
  let layers: tf.layers.Layer[] = model.layers;
  if (config.trainLayers === 'head') {
    const split = splitHead(model);
    if (!split) throw new PersonalizeError('unsupported_model', "the model has no head after a Flatten/global pooling layer; use trainLayers 'all'");
    inputs = predictModel(split.body, options.x, n, shape);
    shape = split.body.outputs[0].shape.slice(1) as number[];
    forward = (t) => split.head.reduce((h, layer) => layer.apply(h, { training: false }) as tf.Tensor, t);
    layers = split.head;
  }
  const size = product(shape);
  const vars = layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  if (vars.length === 0) throw new PersonalizeError('unsupported_model', 'the model has no trainable weights to tune');
  const base = vars.map((v) => tf.keep(v.clone()));
  const optimizer = tf.train.adam(config.learningRate);
  const rng = new Rng(orderSeed(options.seed));
  let order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  let pos = 0;
  const losses: number[] = [];
  let stoppedByBudget = false;
  try {
    for (let step = 0; step < config.steps; step++) {
      if (options.timeBudgetMs !== undefined && now() - started >= options.timeBudgetMs) {
        stoppedByBudget = true;
        break;
      }
      const count = Math.min(config.batchSize, n);
      const xs = new Float32Array(count * size);
      const ys = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        if (pos === n) {
          order = rng.shuffle(order);
          pos = 0;
        }
        const idx = order[pos++];
        xs.set(inputs.subarray(idx * size, (idx + 1) * size), i * size);
        ys[i] = y[idx];
      }
      const cost = tf.tidy((): tf.Scalar => {
        const xb = tf.tensor(xs, [count, ...shape]);
        const target = tf.oneHot(tf.tensor1d(ys, 'int32'), CLASSES.length);
        const loss = optimizer.minimize(
          () => {
            const probs = tf.clipByValue(forward(xb), 1e-7, 1 - 1e-7);
            const ce = tf.neg(tf.mean(tf.sum(tf.mul(target, tf.log(probs)), 1)));
            if (config.l2sp === 0) return ce as tf.Scalar;
            const drift = tf.addN(vars.map((v, i) => tf.sum(tf.square(tf.sub(v, base[i])))));
            return tf.add(ce, tf.mul(config.l2sp, drift)) as tf.Scalar;
          },
          true,
          vars,
        );
        if (!loss) throw new Error('fineTune: the optimizer returned no loss');
        return loss;
      });
      losses.push((await cost.data())[0]);
      cost.dispose();
      if ((step + 1) % 10 === 0 || step + 1 === config.steps) options.onProgress?.({ step: step + 1, steps: config.steps, loss: losses[losses.length - 1] });
    }
  } finally {
    optimizer.dispose();
    tf.dispose(base);
  }
  const tenth = Math.max(1, Math.round(losses.length / 10));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  return {
    stepsRun: losses.length,
    stoppedByBudget,
    lossStart: mean(losses.slice(0, tenth)),
    lossEnd: mean(losses.slice(-tenth)),
    trainedParameters: vars.reduce((s, v) => s + v.size, 0),
    seconds: (now() - started) / 1000,
  };
}

/** Model inputs for labelled clips under `pipeline`, and their class indices. */
export function labelledInputs(pipeline: FeaturePipeline, clips: readonly LabelledSamples[]): { x: Float32Array; y: Int32Array } {
  return {
    x: extractFeatureBatch(pipeline, clips.map((c) => c.samples)),
    y: Int32Array.from(clips, (c) => CLASSES.indexOf(c.label)),
  };
}

/** Accuracy, loss and per-class scores of `model` on model inputs `x` with labels `y`. */
export function evaluateInputs(model: tf.LayersModel, x: Float32Array, y: Int32Array): EvaluationReport {
  return evaluatePredictions({ labels: y, probabilities: predictModel(model, x, y.length, exampleShape(model)) });
}

export interface LabelledInputs {
  x: Float32Array;
  y: Int32Array;
}

/** Concatenates labelled input sets (same per-example size). */
export function concatInputs(...sets: LabelledInputs[]): LabelledInputs {
  const x = new Float32Array(sets.reduce((s, set) => s + set.x.length, 0));
  const y = new Int32Array(sets.reduce((s, set) => s + set.y.length, 0));
  let xo = 0;
  let yo = 0;
  for (const set of sets) {
    x.set(set.x, xo);
    y.set(set.y, yo);
    xo += set.x.length;
    yo += set.y.length;
  }
  return { x, y };
}

/**
 * One personalisation: the shots multiplied by augmentation, mixed with the replay clips' inputs (computed once by
 * the caller with the same pipeline), then fineTune. `model` is tuned in place.
 */
export async function personalizeInPlace(options: {
  model: tf.LayersModel;
  pipeline: FeaturePipeline;
  shots: readonly LabelledSamples[];
  replay: LabelledInputs;
  config: PersonalizeConfig;
  seed: number;
  timeBudgetMs?: number;
  onProgress?: (p: FineTuneProgress) => void;
}): Promise<FineTuneResult & { trainingExamples: number }> {
  const shotInputs = labelledInputs(options.pipeline, augmentShots(options.shots, { seed: options.seed, perClass: options.config.shotExamplesPerClass }));
  const train = concatInputs(shotInputs, options.replay);
  const result = await fineTune({ model: options.model, ...train, config: options.config, seed: options.seed, timeBudgetMs: options.timeBudgetMs, onProgress: options.onProgress });
  return { ...result, trainingExamples: train.y.length };
}
