import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../../shared/tf';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { SEED_PIPELINE, STANDARDIZED_PIPELINE } from '../../shared/features/pipeline';
import { buildSeedCnn, INPUT_SHAPE, SEED_CNN, snapshotWeights } from '../../shared/model/architecture';
import { loadModelArtifact, saveModelArtifact } from '../../shared/model/artifact';
import { loadClassifier } from '../../shared/model/classifier';
import { evaluatePredictions } from '../../shared/model/evaluate';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, ModelMetadata } from '../../shared/model/metadata';
import { MemoryStore } from '../../shared/storage/memory';
import { syntheticFeatureSet } from './fixtures';

function metadata(overrides: Partial<ModelMetadata> = {}): ModelMetadata {
  return {
    format: MODEL_METADATA_FORMAT,
    formatVersion: MODEL_METADATA_VERSION,
    name: 'unit',
    version: 't1',
    created: '2026-01-01T00:00:00.000Z',
    classes: ['buzzy', 'clean', 'muted'],
    architecture: SEED_CNN,
    inputShape: [...INPUT_SHAPE],
    featurePipeline: STANDARDIZED_PIPELINE,
    origin: 'trained',
    parentVersion: null,
    history: [{ epoch: 1, loss: 1, acc: 0.5, valLoss: 1, valAcc: 0.5, seconds: 1 }],
    ...overrides,
  };
}

describe('model artifacts', () => {
  beforeAll(async () => {
    await initTf();
  });

  it('has the seed architecture', () => {
    const model = buildSeedCnn({ seed: 3 });
    expect(model.countParams()).toBe(105_923) // the Keras model_5to1_aug.h5 has the same count;
    expect(model.outputs[0].shape).toEqual([null, 3]);
    model.dispose();
  });

  it('round-trips weights, metadata and predictions through an ObjectStore in the standard layout', async () => {
    const store = new MemoryStore();
    const model = buildSeedCnn({ seed: 3 });
    await saveModelArtifact(store, 'm/a', model, metadata());
    const keys = (await store.list('m/a/')).map((o) => o.key);
    expect(keys).toEqual(['m/a/learning-curve.svg', 'm/a/metadata.json', 'm/a/model.json', 'm/a/weights.bin']);
    const modelJson = JSON.parse(new TextDecoder().decode(await store.read('m/a/model.json')));
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(modelJson.format).toBe('layers-model');
    // Any TensorFlow.js loads it from memory too (no buzzfinder code needed).
    const weightData = (await store.read('m/a/weights.bin')).slice().buffer;
    const plain = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }));
    const { model: back, metadata: meta } = await loadModelArtifact(store, 'm/a');
    expect(meta.version).toBe('t1');
    const a = snapshotWeights(model);
    const b = snapshotWeights(back);
    const c = snapshotWeights(plain);
    a.forEach((w, i) => {
      expect(Array.from(b[i])).toEqual(Array.from(w));
      expect(Array.from(c[i])).toEqual(Array.from(w));
    });
    const set = syntheticFeatureSet(4, 1);
    const x = tf.tensor4d(set.x, [4, ...INPUT_SHAPE]);
    const p1 = (model.predict(x) as tf.Tensor).dataSync();
    const p2 = (back.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(p2)).toEqual(Array.from(p1));
    tf.dispose([x]);
    [model, back, plain].forEach((m) => m.dispose());
  });

  it('loads from a local folder and classifies clips with the pipeline from its metadata', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-model-'));
    try {
      const store = new LocalFolderStore(dir);
      const model = buildSeedCnn({ seed: 4 });
      await saveModelArtifact(store, '', model, metadata({ featurePipeline: SEED_PIPELINE }));
      model.dispose();
      expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
      const classifier = await loadClassifier(new LocalFolderStore(dir), '');
      expect(classifier.pipeline.normalization).toBe('none');
      const clip = new Float32Array(44100).map((_, i) => Math.sin((2 * Math.PI * 440 * i) / 22050) * Math.exp(-i / 8000));
      const [p] = await classifier.classifyClips([clip]);
      expect(p.buzzy + p.clean + p.muted).toBeCloseTo(1, 5);
      expect(await classifier.classifyClips([])).toEqual([]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await classifier.classifyClips([clip, clip, clip]);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => classifier.classifyFeatures(new Float32Array(10), 1)).toThrow(TypeError);
      classifier.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects missing, foreign and inconsistent artifacts with stable codes', async () => {
    const store = new MemoryStore();
    await expect(loadClassifier(store, 'nothing')).rejects.toMatchObject({ code: 'bad_model' });
    const model = buildSeedCnn({ seed: 3 });
    await expect(saveModelArtifact(store, 'x', model, metadata({ classes: ['clean', 'buzzy', 'muted'] }))).rejects.toMatchObject({ code: 'bad_model' });
    await saveModelArtifact(store, 'ok', model, metadata());
    await store.write('bad/metadata.json', '{"format":"something-else"}');
    await expect(loadClassifier(store, 'bad')).rejects.toMatchObject({ code: 'bad_model' });
    await store.write('trunc/metadata.json', await store.read('ok/metadata.json'));
    await store.write('trunc/model.json', await store.read('ok/model.json'));
    await store.write('trunc/weights.bin', (await store.read('ok/weights.bin')).subarray(0, 100));
    await expect(loadClassifier(store, 'trunc')).rejects.toThrow(/bytes/);
    await store.write('pipe/metadata.json', JSON.stringify({ ...metadata(), featurePipeline: { ...SEED_PIPELINE, params: { ...SEED_PIPELINE.params, nMfcc: 20 } } }));
    await store.write('pipe/model.json', await store.read('ok/model.json'));
    await store.write('pipe/weights.bin', await store.read('ok/weights.bin'));
    await expect(loadClassifier(store, 'pipe')).rejects.toThrow(/nMfcc/);
    model.dispose();
  });
});

describe('evaluatePredictions', () => {
  it('computes accuracy, loss, per-class scores, confusion and breakdowns', () => {
    // 4 examples: true [0, 1, 2, 2]; predicted [0, 1, 1, 2].
    const probs = [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.6, 0.3, 0.1, 0.1, 0.8];
    const r = evaluatePredictions({ labels: [0, 1, 2, 2], probabilities: probs, sources: ['a', 'a', 'b', 'b'] });
    expect(r.accuracy).toBe(0.75);
    expect(r.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 1],
    ]);
    expect(r.perClass.clean).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
    expect(r.perClass.muted).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
    expect(r.loss).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7) + Math.log(0.3) + Math.log(0.8)) / 4, 10);
    expect(r.bySource!.a.accuracy).toBe(1);
    expect(r.bySource!.b.accuracy).toBe(0.5);
    expect(() => evaluatePredictions({ labels: [0, 1], probabilities: [1, 0, 0] })).toThrow(TypeError);
    expect(() => evaluatePredictions({ labels: [5], probabilities: [1, 0, 0] })).toThrow(/class index/);
  });
});
