import * as fs from 'node:fs';
import * as tf from '../../shared/tf';
import { importKerasModel, KerasImportError } from '../../adapters/keras/import';
import { initTf } from '../../adapters/tf-backend';
import { loadAudio } from '../../shared/audio/load';
import { CLASSES, FEATURE_COEFFS, FEATURE_FRAMES } from '../../shared/constants';
import { SEED_PIPELINE } from '../../shared/features/pipeline';
import { saveModelArtifact } from '../../shared/model/artifact';
import { loadClassifier, TfClipClassifier } from '../../shared/model/classifier';
import { MemoryStore } from '../../shared/storage/memory';
import { readReferenceBytes, readReferenceJson, referencePath } from '../helpers/reference';

interface ReferenceFeatures {
  name: string;
  comprehensive: number[][];
  probs_float64_forward: number[];
  label?: string;
}

const realNames = fs.readdirSync(referencePath('librosa', 'real')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
const signalNames = fs.readdirSync(referencePath('librosa', 'features')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

describe('import-keras: the original model', () => {
  let classifier: TfClipClassifier;

  beforeAll(async () => {
    await initTf();
    const { model, metadata } = importKerasModel(readReferenceBytes('keras', 'model_5to1_aug.h5'), { filename: 'model_5to1_aug.h5' });
    expect(metadata.featurePipeline).toEqual(SEED_PIPELINE);
    expect(metadata.origin).toBe('keras-import');
    // Through the artifact format and back, as the CLI does.
    const store = new MemoryStore();
    await saveModelArtifact(store, 'imported', model, metadata);
    model.dispose();
    classifier = await loadClassifier(store, 'imported');
  });
  afterAll(() => classifier?.dispose());

  it('reproduces the Keras probabilities on the reference comprehensive MFCC inputs', () => {
    const refs = [
      ...realNames.map((n) => readReferenceJson<ReferenceFeatures>('librosa', 'real', `${n}.json`)),
      ...signalNames.map((n) => readReferenceJson<ReferenceFeatures>('librosa', 'features', `${n}.json`)),
    ].filter((r) => r.comprehensive.length === FEATURE_FRAMES);
    expect(refs.length).toBeGreaterThanOrEqual(14);
    const values = new Float32Array(refs.length * FEATURE_FRAMES * FEATURE_COEFFS);
    refs.forEach((r, i) => values.set(r.comprehensive.flat(), i * FEATURE_FRAMES * FEATURE_COEFFS));
    const probs = classifier.classifyFeatures(values, refs.length);
    let maxDiff = 0;
    refs.forEach((r, i) => CLASSES.forEach((c, k) => (maxDiff = Math.max(maxDiff, Math.abs(probs[i][c] - r.probs_float64_forward[k])))));
    process.stdout.write(`keras parity on reference inputs: max |dp| = ${maxDiff.toExponential(2)} over ${refs.length} inputs\n`);
    expect(maxDiff).toBeLessThan(0.01);
  });

  it('reproduces them end to end from the real WAV clips with our own features', async () => {
    const clips = realNames.map((n) => loadAudio(readReferenceBytes('real-clips', `${n}.wav`)).samples);
    const probs = await classifier.classifyClips(clips);
    let maxDiff = 0;
    realNames.forEach((n, i) => {
      const ref = readReferenceJson<ReferenceFeatures>('librosa', 'real', `${n}.json`);
      CLASSES.forEach((c, k) => (maxDiff = Math.max(maxDiff, Math.abs(probs[i][c] - ref.probs_float64_forward[k]))));
    });
    process.stdout.write(`keras parity end to end (real clips): max |dp| = ${maxDiff.toExponential(2)}\n`);
    expect(maxDiff).toBeLessThan(0.01);
  });

  it('does not leak tensors across repeated predictions', async () => {
    const clip = loadAudio(readReferenceBytes('real-clips', `${realNames[0]}.wav`)).samples;
    await classifier.classifyClips([clip]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await classifier.classifyClips([clip, clip]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects files that are not the seed Keras model', () => {
    expect(() => importKerasModel(new TextEncoder().encode('not an hdf5 file at all'))).toThrow(KerasImportError);
    const h5 = readReferenceBytes('keras', 'model_5to1_aug.h5');
    expect(() => importKerasModel(h5.subarray(0, 4096))).toThrow(KerasImportError);
  });
});
