/**
 * Model benchmarks (wasm backend unless tfjs-node is installed): cold model load, inference for 1 clip and a
 * batch of 300 with and without feature extraction, and one training epoch on 2,600 clips' worth of features.
 *   npx tsx bench/model.ts [--model <dir> (default: the bundled model)] [--train-clips 2600] [--skip-train]
 * Training uses the model's own architecture and feature shape.
 * Prints a table, then one JSON line of results.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../adapters/config';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf, tfBackendName } from '../adapters/tf-backend';
import { CLIP_SAMPLES, SAMPLE_RATE } from '../shared/constants';
import { extractFeatureBatch, pipelineShape } from '../shared/features/pipeline';
import { SEED_CNN } from '../shared/model/architecture';
import { loadClassifier } from '../shared/model/classifier';
import { FeatureSet } from '../shared/model/data';
import { trainSession } from '../shared/model/train';
import { Rng } from '../shared/rng';

function pluck(rng: Rng): Float32Array {
  const f = rng.uniform(82, 660);
  const decay = rng.uniform(0.2, 1.5);
  const out = new Float32Array(CLIP_SAMPLES);
  const onset = Math.round(0.1 * SAMPLE_RATE);
  for (let i = onset; i < out.length; i++) {
    const t = (i - onset) / SAMPLE_RATE;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f * h * t) / h;
    out[i] = 0.3 * v * Math.exp(-t / decay) + 0.001 * rng.gaussian();
  }
  return out;
}

async function timeIt<T>(fn: () => Promise<T> | T, repeats = 1): Promise<{ ms: number; value: T }> {
  let value!: T;
  const start = performance.now();
  for (let i = 0; i < repeats; i++) value = await fn();
  return { ms: (performance.now() - start) / repeats, value };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, 'train-clips': { type: 'string', default: '2600' }, 'skip-train': { type: 'boolean', default: false } } });
  const tfStart = performance.now();
  const tf = await initTf();
  const initMs = performance.now() - tfStart;
  const modelDir = path.resolve(values.model ?? loadConfig().defaultModelDir);
  const load = await timeIt(() => loadClassifier(new LocalFolderStore(modelDir), ''));
  const classifier = load.value;
  const rng = new Rng(1);
  const clips = Array.from({ length: 300 }, () => pluck(rng));
  await classifier.classifyClips(clips.slice(0, 2)); // warm-up (wasm kernels, XNNPACK operators)
  const features1 = extractFeatureBatch(classifier.pipeline, clips.slice(0, 1));
  const features300 = extractFeatureBatch(classifier.pipeline, clips);
  const one = await timeIt(() => classifier.classifyClips(clips.slice(0, 1)), 10);
  const oneModel = await timeIt(() => classifier.classifyFeatures(features1, 1), 10);
  const batch = await timeIt(() => classifier.classifyClips(clips), 1);
  const batchModel = await timeIt(() => classifier.classifyFeatures(features300, 300), 2);
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) await classifier.classifyClips(clips.slice(0, 10));
  const leaked = tf.memory().numTensors - tensorsBefore;
  const shape = pipelineShape(classifier.pipeline);
  const architecture = classifier.metadata.architecture;
  classifier.dispose();

  let epochSec: number | null = null;
  const trainClips = Number(values['train-clips']);
  if (!values['skip-train']) {
    // Feature values do not change the cost of a step: replicate the 300 real feature matrices.
    const size = shape[0] * shape[1];
    const make = (n: number): FeatureSet => {
      const x = new Float32Array(n * size);
      for (let i = 0; i < n; i++) x.set(features300.subarray((i % 300) * size, ((i % 300) + 1) * size), i * size);
      return { n, x, y: Int32Array.from({ length: n }, (_, i) => i % 3), shape, sources: [], groups: [], files: [] };
    };
    const config = { seed: 1, maxEpochs: 1, bnMomentum: 0.9, ...(architecture !== SEED_CNN ? { architecture } : {}) };
    const run = await trainSession({ train: make(trainClips), validation: make(64), config });
    epochSec = run.result!.history[0].seconds;
    run.result!.model.dispose();
  }

  const rows: [string, string][] = [
    ['backend', tfBackendName()],
    ['model', `${modelDir} (${architecture}, ${shape.join(' x ')} input)`],
    ['initTf (wasm compile)', `${initMs.toFixed(0)} ms`],
    ['model load (cold, default model)', `${load.ms.toFixed(0)} ms`],
    ['1 clip, features + model', `${one.ms.toFixed(1)} ms`],
    ['1 clip, model only', `${oneModel.ms.toFixed(1)} ms`],
    ['300 clips, features + model', `${batch.ms.toFixed(0)} ms (${(batch.ms / 300).toFixed(2)} ms/clip)`],
    ['300 clips, model only', `${batchModel.ms.toFixed(0)} ms (${(batchModel.ms / 300).toFixed(2)} ms/clip)`],
    ['tensors leaked over 5 predictions', String(leaked)],
    [`training epoch, ${trainClips} clips`, epochSec === null ? 'skipped' : `${epochSec.toFixed(1)} s`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(36)} ${v}\n`);
  process.stdout.write(
    JSON.stringify({
      area: 'model',
      backend: tfBackendName(),
      initTfMs: Math.round(initMs),
      modelLoadMs: Math.round(load.ms),
      oneClipMs: +one.ms.toFixed(2),
      oneClipModelOnlyMs: +oneModel.ms.toFixed(2),
      batch300Ms: Math.round(batch.ms),
      batch300ModelOnlyMs: Math.round(batchModel.ms),
      tensorsLeaked: leaked,
      trainEpochSec: epochSec === null ? null : +epochSec.toFixed(1),
      trainClips,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`bench/model: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
