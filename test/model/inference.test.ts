import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { buildArchitecture, SEED_CNN } from '../../shared/model/architecture';
import { loadClassifier, predictFeatures } from '../../shared/model/classifier';
import { InferenceNetwork } from '../../shared/model/inference';
import { RES_CNN } from '../../shared/model/res-cnn';
import { Rng } from '../../shared/rng';
import { LocalFolderStore } from '../../adapters/storage/local';
import { REPO_ROOT } from '../../adapters/config';
import * as path from 'node:path';

/** Gives every BatchNormalization non-trivial statistics and affine weights, as a trained model has. */
function randomizeBatchNorms(model: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(
      layer.getWeights().map((w, i) => {
        // gamma, beta, moving mean, moving variance (> 0)
        const values = Float32Array.from({ length: w.size }, () => (i === 3 ? 0.2 + 2 * rng.next() : i === 0 ? 0.5 + rng.next() : rng.next() - 0.5));
        return tf.tensor(values, w.shape);
      }),
    );
  }
}

function randomInput(n: number, frames: number, values: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * frames * values }, () => 2 * rng.next() - 1);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('InferenceNetwork (Conv2D + BatchNormalization + ReLU folded)', () => {
  beforeAll(async () => {
    await initTf();
  });

  it('folds every res-cnn convolution and matches model.predict within 1e-5', () => {
    const model = buildArchitecture(RES_CNN, { seed: 4, inputShape: [87, 64, 1] });
    randomizeBatchNorms(model, 1);
    const net = InferenceNetwork.compile(model);
    expect(net.fusedConvolutions).toBe(5);
    const x = randomInput(5, 87, 64, 2);
    const reference = predictFeatures(model, x, 5);
    expect(maxAbsDiff(predictFeatures(net, x, 5), reference)).toBeLessThan(1e-5);
    // The unfolded model is still the model: folding copied its weights, and disposing the copy leaves it working.
    const before = tf.memory().numTensors;
    net.dispose();
    expect(tf.memory().numTensors).toBe(before - 2 * 5);
    expect(maxAbsDiff(predictFeatures(model, x, 5), reference)).toBe(0);
    model.dispose();
  });

  it("runs the seed CNN (ReLU inside the conv, BatchNormalization after it: nothing to fold) exactly as predict does", () => {
    const model = buildArchitecture(SEED_CNN, { seed: 2, inputShape: [87, 39, 1] });
    randomizeBatchNorms(model, 3);
    const net = InferenceNetwork.compile(model);
    expect(net.fusedConvolutions).toBe(0);
    const x = randomInput(3, 87, 39, 4);
    expect(maxAbsDiff(predictFeatures(net, x, 3), predictFeatures(model, x, 3))).toBe(0);
    net.dispose();
    model.dispose();
  });

  it('keeps a BatchNormalization output that two layers read, folding only what is safe', () => {
    const input = tf.input({ shape: [12, 10, 1] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: true, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ axis: 3 }).apply(conv) as tf.SymbolicTensor;
    const relu = tf.layers.activation({ activation: 'relu' }).apply(bn) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([bn, relu]) as tf.SymbolicTensor; // bn is read twice: ReLU must stay a layer
    const flat = tf.layers.flatten().apply(sum) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(flat) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    randomizeBatchNorms(model, 5);
    const net = InferenceNetwork.compile(model);
    expect(net.fusedConvolutions).toBe(1);
    const x = randomInput(4, 12, 10, 6);
    expect(maxAbsDiff(predictFeatures(net, x, 4), predictFeatures(model, x, 4))).toBeLessThan(1e-5);
    net.dispose();
    model.dispose();
  });

  it('serves the bundled default model as predict does (1e-5) on real-shaped input', async () => {
    const classifier = await loadClassifier(new LocalFolderStore(path.join(REPO_ROOT, 'models', 'default')), '');
    const [frames, values] = [classifier.model.inputs[0].shape[1] as number, classifier.model.inputs[0].shape[2] as number];
    const x = randomInput(8, frames, values, 7);
    expect(classifier.network.fusedConvolutions).toBeGreaterThan(0);
    expect(maxAbsDiff(predictFeatures(classifier.network, x, 8), predictFeatures(classifier.model, x, 8))).toBeLessThan(1e-5);
    classifier.dispose();
  });
});
