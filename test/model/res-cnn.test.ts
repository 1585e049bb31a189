import '@tensorflow/tfjs-backend-cpu'; // registers the 'cpu' backend these tests compare with
import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { CLIP_SAMPLES, SAMPLE_RATE } from '../../shared/constants';
import { LOG_MEL_PIPELINE } from '../../shared/features/log-mel';
import { STANDARDIZED_PIPELINE } from '../../shared/features/pipeline';
import { buildArchitecture, restoreWeights, snapshotWeights } from '../../shared/model/architecture';
import { loadModelArtifact, saveModelArtifact } from '../../shared/model/artifact';
import { loadClassifier, predictFeatures, TfClipClassifier } from '../../shared/model/classifier';
import { evaluateModel, trainedModelMetadata } from '../../shared/model/fit';
import { ModelFormatError } from '../../shared/model/io';
import { RES_CNN } from '../../shared/model/res-cnn';
import { trainSession } from '../../shared/model/train';
import { Rng } from '../../shared/rng';
import { MemoryStore } from '../../shared/storage/memory';
import { syntheticFeatureSet } from './fixtures';

// This suite compares with the cpu backend on purpose; PROD mode only mutes tfjs's warnings, e.g. its
// 'install tfjs-node to speed things up' banner on the first cpu tensor.
tf.enableProdMode();

/** The agreed layer set (COMMON_BRIEF "Model layer set"): what the fast inference runtime implements. */
const ALLOWED_LAYERS = new Set(['InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'BatchNormalization', 'Activation', 'ReLU', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Add']);

const TINY: [number, number] = [24, 16];
const config = { seed: 3, maxEpochs: 3, batchSize: 8, learningRate: 3e-3, patience: 3, bnMomentum: 0.9, architecture: RES_CNN };
const augmented = { ...config, labelSmoothing: 0.1, mixupAlpha: 0.4, specAugment: { timeMasks: 1, maxTimeWidth: 4, bandMasks: 1, maxBandWidth: 3 } };

function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((w, i) => {
    for (let j = 0; j < w.length; j++) m = Math.max(m, Math.abs(w[j] - b[i][j]));
  });
  return m;
}

/** Per-weight gradients of a fixed loss (training-mode forward) on the current backend. */
function weightGradients(model: tf.LayersModel, x: Float32Array, shape: [number, number, number, number], mask: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const input = tf.tensor4d(x, shape);
    const m = tf.tensor2d(mask, [shape[0], 3]);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.log(model.apply(input, { training: true }) as tf.Tensor), m)) as tf.Scalar, vars);
    return vars.map((v) => grads[v.name].dataSync().slice() as Float32Array);
  });
}

describe('res-cnn', () => {
  beforeAll(async () => {
    await initTf();
  });

  it('uses only the agreed layer set, has 73,235 parameters on 87 x 64 log-mel input, and outputs probabilities', () => {
    const model = buildArchitecture(RES_CNN, { seed: 1, inputShape: [87, 64, 1] });
    expect(model.countParams()).toBe(73_235);
    const kinds = new Set(model.layers.map((l) => l.getClassName()));
    for (const k of kinds) expect(ALLOWED_LAYERS.has(k)).toBe(true);
    expect(kinds.has('Add')).toBe(true);
    const probs = predictFeatures(model, new Float32Array(2 * 87 * 64).map((_, i) => Math.sin(i)), 2);
    expect(probs[0] + probs[1] + probs[2]).toBeCloseTo(1, 5);
    model.dispose();
    expect(() => buildArchitecture('seed-cnn', { seed: 1, inputShape: [87, 64, 1] })).toThrow(/takes input/);
    expect(() => buildArchitecture('nope', { seed: 1, inputShape: [87, 64, 1] })).toThrow(/unknown architecture/);
  });

  it('its gradients on wasm (every kernel of its backward pass) match the cpu backend', async () => {
    const rng = new Rng(11);
    const shape: [number, number, number, number] = [4, ...TINY, 1];
    const x = Float32Array.from({ length: 4 * TINY[0] * TINY[1] }, () => rng.gaussian());
    const mask = Float32Array.from({ length: 12 }, () => rng.uniform(-1, 1));
    const onWasm = buildArchitecture(RES_CNN, { seed: 2, inputShape: [...TINY, 1] });
    const weights = snapshotWeights(onWasm);
    const wasm = weightGradients(onWasm, x, shape, mask);
    onWasm.dispose();
    await tf.setBackend('cpu');
    try {
      const onCpu = buildArchitecture(RES_CNN, { seed: 2, inputShape: [...TINY, 1] });
      restoreWeights(onCpu, weights);
      const cpu = weightGradients(onCpu, x, shape, mask);
      onCpu.dispose();
      expect(wasm.length).toBe(cpu.length);
      const scale = Math.max(...cpu.map((g) => Math.max(...Array.from(g, Math.abs))));
      expect(scale).toBeGreaterThan(0.01);
      expect(maxAbsDiff(wasm, cpu) / scale).toBeLessThan(1e-4);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('trains on tiny data with augmentation, saves and loads through the artifact format with the same predictions', async () => {
    const train = { ...syntheticFeatureSet(48, 1, 2, TINY) };
    const validation = syntheticFeatureSet(15, 2, 2, TINY);
    const run = await trainSession({ train, validation, config: { ...augmented, maxEpochs: 4 } });
    expect(run.done).toBe(true);
    const trained = run.result!;
    expect(trained.history[trained.history.length - 1].loss).toBeLessThan(trained.history[0].loss);
    const report = evaluateModel(trained.model, validation);
    expect(report.accuracy).toBeGreaterThan(0.6); // chance is 1/3
    const metadata = trainedModelMetadata({
      name: 'unit',
      version: 'r1',
      pipeline: STANDARDIZED_PIPELINE,
      config: augmented,
      trained,
      manifest: { id: 'sha256:unit', sources: ['synth'] },
      sets: { train, validation },
      backend: tf.getBackend(),
    });
    expect(metadata.architecture).toBe(RES_CNN);
    expect(metadata.inputShape).toEqual([24, 16, 1]);
    expect(metadata.training?.config.mixupAlpha).toBe(0.4);
    const store = new MemoryStore();
    await saveModelArtifact(store, 'm', trained.model, metadata);
    const back = await loadModelArtifact(store, 'm');
    expect(back.metadata.training?.config.specAugment).toEqual(augmented.specAugment);
    const before = predictFeatures(trained.model, validation.x, validation.n);
    const after = predictFeatures(back.model, validation.x, validation.n);
    expect(maxAbsDiff([before], [after])).toBeLessThan(1e-6);
    // Fine-tuning from its weights alone (as the retrain job does) continues the same network.
    const tuned = await trainSession({ train, validation, config: { seed: 9, maxEpochs: 1, batchSize: 8, learningRate: 1e-4, patience: 1 }, initialWeights: snapshotWeights(back.model) });
    expect(tuned.checkpoint.config.architecture).toBe(RES_CNN);
    expect(tuned.result!.model.countParams()).toBe(trained.model.countParams());
    await expect(trainSession({ train: syntheticFeatureSet(12, 1), validation: syntheticFeatureSet(6, 2), config: { seed: 1, maxEpochs: 1 }, initialWeights: snapshotWeights(back.model) })).rejects.toThrow(
      /fit no known architecture/,
    );
    tuned.result!.model.dispose();
    trained.model.dispose();
    back.model.dispose();
  });

  it('with augmentation on, interrupted-and-resumed training equals straight training', async () => {
    const train = syntheticFeatureSet(24, 5, 2, TINY);
    const validation = syntheticFeatureSet(9, 6, 2, TINY);
    const cfg = { ...augmented, maxEpochs: 2 };
    const straight = await trainSession({ train, validation, config: cfg });
    let t = 0;
    const now = () => (t += 10);
    let r = await trainSession({ train, validation, config: cfg, timeBudgetMs: 25, now });
    let sessions = 1;
    while (!r.done) {
      r = await trainSession({ train, validation, checkpoint: r.checkpoint, timeBudgetMs: 25, now });
      sessions++;
    }
    expect(sessions).toBeGreaterThan(2);
    expect(maxAbsDiff(snapshotWeights(r.result!.model), snapshotWeights(straight.result!.model))).toBeLessThan(1e-5);
    r.result!.model.dispose();
    straight.result!.model.dispose();
  });

  it('classifies audio through the log-mel pipeline named in its metadata, and refuses a mismatched pipeline', async () => {
    const model = buildArchitecture(RES_CNN, { seed: 4, inputShape: [87, 64, 1] });
    const base = {
      format: 'buzzfinder-model' as const,
      formatVersion: 1 as const,
      name: 'unit',
      version: 'lm1',
      created: '2026-01-01T00:00:00.000Z',
      classes: ['buzzy', 'clean', 'muted'],
      architecture: RES_CNN,
      inputShape: [87, 64, 1],
      origin: 'trained' as const,
      parentVersion: null,
    };
    const store = new MemoryStore();
    await saveModelArtifact(store, 'lm', model, { ...base, featurePipeline: LOG_MEL_PIPELINE });
    const classifier = await loadClassifier(store, 'lm');
    expect(classifier.pipeline).toEqual(LOG_MEL_PIPELINE);
    const clip = Float32Array.from({ length: CLIP_SAMPLES }, (_, i) => 0.3 * Math.exp((-3 * i) / SAMPLE_RATE) * Math.sin((2 * Math.PI * 196 * i) / SAMPLE_RATE));
    const [p] = await classifier.classifyClips([clip]);
    expect(p.buzzy + p.clean + p.muted).toBeCloseTo(1, 5);
    // The same network described as an MFCC model cannot be fed: 87 x 39 features for an 87 x 64 input.
    expect(() => new TfClipClassifier(classifier.model, { ...base, featurePipeline: STANDARDIZED_PIPELINE })).toThrow(ModelFormatError);
    classifier.dispose();
    model.dispose();
  });
});
