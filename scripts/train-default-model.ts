/**
 * Trains the bundled default model (models/default/) on a dataset made by `buzzfinder dataset`
 * (synth + soundfont sources), with a fixed seed, and records its metrics in its metadata:
 *   npx buzzfinder dataset --out /tmp/ds --size 9000 --seed 12
 *   npx tsx scripts/train-default-model.ts --data /tmp/ds [--from models/default] [--out models/default] [--budget-min 20]
 *     [--architecture seed-cnn|res-cnn|res-cnn-medium|res-cnn-small] [--pipeline none|per-clip-standardize|log-mel|log-mel-band]
 *     [--lr-decay 0.5 (on plateau)] [--label-smoothing 0.1] [--mixup 0.3] [--spec-augment 2,8,2,8 (time masks, max width, band masks, max width)]
 *     [--time-shift 3 (each example moved by up to 3 feature frames either way)]
 *     [--distill <teacher model dir> ... --distill-weight 0.5 [--distill-hiss all|clean]] [--extra-train <dataset dir> ... [--extra-train-source soundfont]]
 * With --from and an --architecture other than the parent's (res-cnn -> res-cnn-small), the parent is shrunk
 * (shrink.ts) and the narrow network continues from there; --distill adds a teacher's probabilities to the targets
 * (given more than once: the mean of the teachers' probabilities, an ensemble teacher); --distill-hiss lets the
 * teachers hear every training clip, or only the clean ones, with white noise added (augment.ts `gaussian-noise`
 * alone), for teachers that need hiss to hear a clean note (docs/model.md, "A noise floor for nearly noise-free
 * recordings").
 * --extra-train adds the training split of other datasets (validation and test stay --data's), only the clips of one
 * source with --extra-train-source (e.g. more recorded notes without shifting the synthetic clips' class balance).
 * The real clips in ../shared/reference/real-clips are evaluated (reported), never trained or tuned on.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../adapters/config';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf, tfBackendName } from '../adapters/tf-backend';
import { evaluateRealClips } from '../cli/real-clips';
import { CLASSES } from '../shared/constants';
import { loadDataset } from '../shared/dataset/read';
import { LabelledClip } from '../shared/dataset/types';
import { leakedGroups } from '../shared/dataset/splits';
import { FeaturePipeline, PIPELINE_CHOICES } from '../shared/features/pipeline';
import { parseSpecAugment } from '../shared/model/augment';
import { buildArchitecture, SEED_CNN, snapshotWeights } from '../shared/model/architecture';
import { loadModelArtifact, saveModelArtifact } from '../shared/model/artifact';
import { buildFeatureSet, clipsOfSplit } from '../shared/model/data';
import { predictFeatures, TfClipClassifier } from '../shared/model/classifier';
import { formatEvaluation } from '../shared/model/evaluate';
import { buildSplitFeatureSets, evaluateModel, trainedModelMetadata } from '../shared/model/fit';
import { InferenceNetwork } from '../shared/model/inference';
import { TrainingConfig } from '../shared/model/metadata';
import { shrinkResCnn } from '../shared/model/shrink';
import { DEFAULT_TRAINING_CONFIG, formatTrainingProgress, resultFromCheckpoint, trainSession } from '../shared/model/train';
import { Rng } from '../shared/rng';
import { augmentClip, AugmentationName, DEFAULT_AUGMENT_PROBABILITIES } from '../shared/synth/augment';

/**
 * The clips' features with only the augmentation chain's white noise added (one seeded draw per clip) to all of
 * them, or only to the clean ones (hiss would mask a buzzy clip's sizzle).
 */
function hissyFeatures(pipeline: FeaturePipeline, clips: readonly LabelledClip[], seed: number, which: 'all' | 'clean'): Float32Array {
  // Every step off but the white noise (derived, so a step added to the chain later stays off here too).
  const only = Object.fromEntries(Object.keys(DEFAULT_AUGMENT_PROBABILITIES).map((k) => [k, k === 'gaussian-noise' ? 1 : 0])) as Record<AugmentationName, number>;
  const noisy = clips.map((c, i) =>
    which === 'clean' && c.label !== 'clean' ? c : { ...c, samples: augmentClip(c.samples, { rng: new Rng(seed * 100003 + i), probabilities: only }).samples },
  );
  return buildFeatureSet({ pipeline, clips: noisy }).x;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string', default: path.join(REPO_ROOT, 'models', 'default') },
      seed: { type: 'string', default: '7' },
      epochs: { type: 'string', default: '30' },
      lr: { type: 'string', default: '0.001' },
      patience: { type: 'string', default: '4' },
      'bn-momentum': { type: 'string', default: '0.9' },
      pipeline: { type: 'string', default: 'per-clip-standardize' },
      'budget-min': { type: 'string', default: '20' },
      /** How the dataset was made, recorded in the model's metadata when given (no default: a guessed one would lie). */
      'dataset-command': { type: 'string' },
      from: { type: 'string' },
      version: { type: 'string' },
      architecture: { type: 'string' },
      distill: { type: 'string', multiple: true, default: [] },
      'distill-weight': { type: 'string', default: '0.5' },
      'distill-hiss': { type: 'string' },
      'extra-train': { type: 'string', multiple: true, default: [] },
      'extra-train-source': { type: 'string' },
      'label-smoothing': { type: 'string', default: '0' },
      mixup: { type: 'string', default: '0' },
      'spec-augment': { type: 'string' },
      'time-shift': { type: 'string', default: '0' },
      'batch-size': { type: 'string', default: '32' },
      'lr-decay': { type: 'string', default: '1' },
    },
  });
  if (!values.data) throw new Error('--data <dataset dir> is required');
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
  const tf = await initTf();
  let pipeline = PIPELINE_CHOICES[values.pipeline];
  if (!pipeline) throw new Error(`--pipeline: one of ${Object.keys(PIPELINE_CHOICES).join(', ')}`);
  const config: TrainingConfig = {
    ...DEFAULT_TRAINING_CONFIG,
    seed: Number(values.seed),
    maxEpochs: Number(values.epochs),
    batchSize: Number(values['batch-size']),
    learningRate: Number(values.lr),
    patience: Number(values.patience),
    bnMomentum: Number(values['bn-momentum']),
    architecture: values.architecture ?? SEED_CNN,
    ...(Number(values['lr-decay']) < 1 ? { lrDecay: Number(values['lr-decay']) } : {}),
    ...(Number(values['label-smoothing']) > 0 ? { labelSmoothing: Number(values['label-smoothing']) } : {}),
    ...(Number(values.mixup) > 0 ? { mixupAlpha: Number(values.mixup) } : {}),
    ...(values['spec-augment'] ? { specAugment: parseSpecAugment(values['spec-augment']) } : {}),
    ...(Number(values['time-shift']) > 0 ? { timeShiftFrames: Number(values['time-shift']) } : {}),
  };
  let initialWeights: Float32Array[] | undefined;
  let parentVersion: string | null = null;
  let version = values.version ?? 'default-1';
  if (values.from) {
    // Continue a previous run of this script (a new Adam state; same pipeline).
    const prev = await loadModelArtifact(new LocalFolderStore(path.resolve(values.from)), '');
    parentVersion = `${prev.metadata.name}@${prev.metadata.version}`;
    // A continuation keeps its parent's feature pipeline, and its network unless a narrower one is asked for.
    pipeline = prev.metadata.featurePipeline;
    if (values.architecture && values.architecture !== prev.metadata.architecture) {
      const child = buildArchitecture(values.architecture, { seed: config.seed, bnMomentum: config.bnMomentum, inputShape: prev.metadata.inputShape as [number, number, number] });
      const kept = shrinkResCnn(prev.model, child);
      initialWeights = snapshotWeights(child);
      child.dispose();
      log(`shrunk ${prev.metadata.architecture} to ${values.architecture}: kept channels ${JSON.stringify(kept)}`);
    } else {
      initialWeights = snapshotWeights(prev.model);
      config.architecture = prev.metadata.architecture;
    }
    // default-N continues as default-(N+1) unless --version says otherwise.
    const n = /^default-(\d+)$/.exec(prev.metadata.version);
    if (!values.version && n) version = `default-${Number(n[1]) + 1}`;
    config.from = parentVersion;
    prev.model.dispose();
    log(`continuing from ${parentVersion}`);
  }
  log(`backend ${tfBackendName()}; pipeline ${pipeline.name}/${pipeline.normalization}; config ${JSON.stringify(config)}`);
  const { manifest, clips } = await loadDataset(new LocalFolderStore(path.resolve(values.data)), '');
  log(`dataset ${manifest.id.slice(0, 12)}: ${clips.length} clips`);
  const datasetSize = clips.length;
  const extraTrain: { id: string; clips: number; source?: string }[] = [];
  const source = values['extra-train-source'];
  for (const dir of values['extra-train']) {
    const extra = await loadDataset(new LocalFolderStore(path.resolve(dir)), '');
    const leaks = leakedGroups(manifest, extra.manifest);
    if (leaks.length > 0) throw new Error(`--extra-train ${dir}: its train split holds groups that ${values.data} holds out (${leaks.join(', ')}): generate it with a seed that puts them in the same splits`);
    const train = extra.clips.filter((c) => c.split === 'train' && (source === undefined || c.source === source));
    if (train.length === 0) throw new Error(`--extra-train ${dir}: no training clips${source ? ` from source '${source}'` : ''}`);
    clips.push(...train);
    extraTrain.push({ id: extra.manifest.id, clips: train.length, ...(source ? { source } : {}) });
    log(`extra training clips from ${extra.manifest.id.slice(0, 12)}: ${train.length}`);
  }
  const sets = buildSplitFeatureSets({ pipeline, clips, onProgress: (s, d, t) => d === t && log(`features ${s}: ${t}`) });
  let teacherProbs: Float32Array | undefined;
  if (values.distill.length > 0) {
    // Several teachers: the mean of their probabilities.
    const mean = new Float32Array(sets.train.n * CLASSES.length);
    const names: string[] = [];
    const hiss = values['distill-hiss'];
    if (hiss !== undefined && hiss !== 'all' && hiss !== 'clean') throw new Error('--distill-hiss: all or clean');
    const teacherInputs = hiss ? hissyFeatures(pipeline, clipsOfSplit(clips, 'train'), Number(values.seed), hiss) : sets.train.x;
    for (const dir of values.distill) {
      const teacher = await loadModelArtifact(new LocalFolderStore(path.resolve(dir)), '');
      if (JSON.stringify(teacher.metadata.featurePipeline) !== JSON.stringify(pipeline)) throw new Error('--distill: every teacher must use the same feature pipeline');
      names.push(`${teacher.metadata.name}@${teacher.metadata.version}`);
      const network = InferenceNetwork.compile(teacher.model);
      const probs = predictFeatures(network, teacherInputs, sets.train.n);
      network.dispose();
      teacher.model.dispose();
      for (let i = 0; i < mean.length; i++) mean[i] += probs[i];
    }
    for (let i = 0; i < mean.length; i++) mean[i] /= names.length;
    teacherProbs = mean;
    config.distillation = { teacher: names.join(' + ') + (hiss ? ` (hearing ${hiss === 'all' ? 'the' : 'the clean'} clips with white noise added)` : ''), weight: Number(values['distill-weight']) };
    log(`distilling ${config.distillation.teacher} (weight ${config.distillation.weight}) on ${sets.train.n} training clips`);
  }
  const started = Date.now();
  const session = await trainSession({
    teacherProbs,
    train: sets.train,
    validation: sets.validation,
    config,
    initialWeights,
    timeBudgetMs: Number(values['budget-min']) * 60_000,
    progressEveryBatches: 20,
    onProgress: (p) => log(formatTrainingProgress(p)),
  });
  const trained = session.result ?? resultFromCheckpoint(session.checkpoint);
  if (!session.done) log(`time budget reached after ${trained.epochsRun} epochs; keeping the best epoch (${trained.bestEpoch})`);
  log(`trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const test = evaluateModel(trained.model, sets.test);
  const validation = evaluateModel(trained.model, sets.validation);
  const metadata = trainedModelMetadata({
    name: 'buzzfinder',
    version,
    parentVersion,
    pipeline,
    config,
    trained,
    manifest,
    sets,
    metrics: { test, validation },
    backend: tfBackendName(),
    notes: { dataset: { seed: manifest.seed, size: datasetSize, ...(values['dataset-command'] ? { command: values['dataset-command'] } : {}), ...(extraTrain.length ? { extraTrain } : {}) } },
  });
  const classifier = new TfClipClassifier(trained.model, metadata);
  const real = await evaluateRealClips(classifier);
  if (real) {
    metadata.metrics = { ...metadata.metrics, realClips: real.report };
    metadata.notes = { ...metadata.notes, realClips: real.clips };
  }
  await saveModelArtifact(new LocalFolderStore(path.resolve(values.out)), '', trained.model, metadata);
  process.stderr.write(formatEvaluation(test, 'test split') + '\n');
  for (const [source, s] of Object.entries(test.bySource ?? {})) process.stderr.write(formatEvaluation(s, `test ${source}`) + '\n');
  if (real) {
    process.stderr.write(formatEvaluation(real.report, 'real clips (evaluation only)') + '\n');
    for (const c of real.clips) process.stderr.write(`  ${c.correct ? 'ok ' : 'MISS'} ${c.file}: ${c.predicted} (${c.confidence.toFixed(3)})\n`);
  }
  process.stdout.write(
    JSON.stringify({
      out: values.out,
      epochsRun: trained.epochsRun,
      bestEpoch: trained.bestEpoch,
      testAccuracy: test.accuracy,
      bySource: Object.fromEntries(Object.entries(test.bySource ?? {}).map(([k, v]) => [k, v.accuracy])),
      realClips: real?.clips.map((c) => `${c.file}:${c.predicted}`),
      numTensors: tf.memory().numTensors,
    }) + '\n',
  );
  classifier.dispose();
}

main().catch((err) => {
  process.stderr.write(`train-default-model: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
