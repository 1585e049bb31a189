/**
 * `buzzfinder train --data <dataset dir> [--from <model dir>] [--epochs N] [--seed S] --out <dir>`:
 * trains the seed CNN or res-cnn (progress on stderr) and writes the model artifact, metrics.json and learning-curve.svg to --out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf, tfBackendName } from '../../adapters/tf-backend';
import { loadDataset } from '../../shared/dataset/read';
import { BuzzfinderError } from '../../shared/errors';
import { FeaturePipeline, PIPELINE_CHOICES, SEED_PIPELINE } from '../../shared/features/pipeline';
import { parseSpecAugment, SpecAugmentConfig } from '../../shared/model/augment';
import { ARCHITECTURES, SEED_CNN, snapshotWeights } from '../../shared/model/architecture';
import { loadModelArtifact, saveModelArtifact } from '../../shared/model/artifact';
import { subsetFeatureSet } from '../../shared/model/data';
import { formatEvaluation } from '../../shared/model/evaluate';
import { buildSplitFeatureSets, evaluateModel, trainedModelMetadata } from '../../shared/model/fit';
import { TrainingConfig } from '../../shared/model/metadata';
import { DEFAULT_TRAINING_CONFIG, formatTrainingProgress, resultFromCheckpoint, trainSession } from '../../shared/model/train';
import { intOption, parseCommandArgs, UsageError } from '../args';
import { checkDatasetDir, checkModelDir } from '../inputs';

const HELP = `Usage: buzzfinder train --data <dataset dir> --out <dir> [options]
  --data DIR          dataset (manifest.json + class folders, or just class folders) — see 'buzzfinder dataset'
  --out DIR           where to write model.json, weights.bin, metadata.json, metrics.json, learning-curve.svg
  --from DIR          fine-tune this model (keeps its feature pipeline) instead of starting from random weights
  --epochs N          maximum epochs (default ${DEFAULT_TRAINING_CONFIG.maxEpochs}); early stopping on validation loss keeps the best
  --seed S            seed for initial weights, shuffles and dropout (default ${DEFAULT_TRAINING_CONFIG.seed})
  --learning-rate LR  Adam learning rate (default ${DEFAULT_TRAINING_CONFIG.learningRate}, the seed's)
  --patience N        epochs without validation improvement before stopping (default ${DEFAULT_TRAINING_CONFIG.patience})
  --batch-size N      (default ${DEFAULT_TRAINING_CONFIG.batchSize})
  --bn-momentum M     BatchNorm moving-average momentum while training (default 0.99, the seed's; 0.9 for short runs)
  --pipeline P        'per-clip-standardize' (default; comprehensive MFCC), 'none' (the seed's raw MFCC), 'log-mel' or
                      'log-mel-band' (docs/model.md); ignored with --from
  --architecture A    'seed-cnn' (default; MFCC input only), 'res-cnn', 'res-cnn-medium' or 'res-cnn-small'; ignored with --from (the parent's network)
  --label-smoothing E targets (1 - E) * one-hot + E / 3 (default 0)
  --mixup ALPHA       mixup within batches, lambda ~ Beta(ALPHA, ALPHA) (default off)
  --spec-augment T,W,B,V  per example T time masks up to W frames and B band masks up to V bands (default off)
  --lr-decay F        multiply the learning rate by F after each epoch without validation improvement (default 1)
  --budget-sec S      stop after this much training time and keep the best epoch so far
  --name NAME         model name in metadata (default buzzfinder), --version V (default 'local')
Without a validation split in the dataset, every 5th training clip is held out for validation.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      data: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      'learning-rate': { type: 'string' },
      patience: { type: 'string' },
      'batch-size': { type: 'string' },
      'bn-momentum': { type: 'string' },
      pipeline: { type: 'string' },
      architecture: { type: 'string' },
      'label-smoothing': { type: 'string' },
      mixup: { type: 'string' },
      'spec-augment': { type: 'string' },
      'lr-decay': { type: 'string' },
      'budget-sec': { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
    },
    HELP,
    false,
  );
  if (!values.data) throw new UsageError('--data <dataset dir> is required');
  if (!values.out) throw new UsageError('--out <dir> is required');
  const lr = values['learning-rate'] === undefined ? DEFAULT_TRAINING_CONFIG.learningRate : Number(values['learning-rate']);
  if (!(lr > 0 && lr < 1)) throw new UsageError(`--learning-rate must be in (0, 1), got '${values['learning-rate']}'`);
  if (values.pipeline !== undefined && !(values.pipeline in PIPELINE_CHOICES)) {
    throw new UsageError(`--pipeline must be one of ${Object.keys(PIPELINE_CHOICES).join(', ')}, got '${values.pipeline}'`);
  }
  if (values.architecture !== undefined && !(ARCHITECTURES as readonly string[]).includes(values.architecture)) {
    throw new UsageError(`--architecture must be one of ${ARCHITECTURES.join(', ')}, got '${values.architecture}'`);
  }
  const fraction = (name: string, value: string | undefined, ok: (v: number) => boolean): number | undefined => {
    if (value === undefined) return undefined;
    const v = Number(value);
    if (!ok(v)) throw new UsageError(`--${name}: invalid value '${value}'`);
    return v;
  };
  const labelSmoothing = fraction('label-smoothing', values['label-smoothing'], (v) => v >= 0 && v < 1);
  const mixupAlpha = fraction('mixup', values.mixup, (v) => v >= 0);
  const lrDecay = fraction('lr-decay', values['lr-decay'], (v) => v > 0 && v <= 1);
  let specAugment: SpecAugmentConfig | undefined;
  try {
    specAugment = values['spec-augment'] === undefined ? undefined : parseSpecAugment(values['spec-augment']);
  } catch (err) {
    throw new UsageError(`--${(err as Error).message}`);
  }
  const bnMomentum = values['bn-momentum'] === undefined ? undefined : Number(values['bn-momentum']);
  if (bnMomentum !== undefined && !(bnMomentum > 0 && bnMomentum < 1)) throw new UsageError(`--bn-momentum must be in (0, 1), got '${values['bn-momentum']}'`);
  const budgetSec = values['budget-sec'] === undefined ? undefined : intOption(values['budget-sec'], 'budget-sec', 0, 1);
  const config: TrainingConfig = {
    seed: intOption(values.seed, 'seed', DEFAULT_TRAINING_CONFIG.seed, 0),
    maxEpochs: intOption(values.epochs, 'epochs', DEFAULT_TRAINING_CONFIG.maxEpochs),
    batchSize: intOption(values['batch-size'], 'batch-size', DEFAULT_TRAINING_CONFIG.batchSize),
    learningRate: lr,
    patience: intOption(values.patience, 'patience', DEFAULT_TRAINING_CONFIG.patience),
    ...(bnMomentum !== undefined ? { bnMomentum } : {}),
    ...(values.architecture && values.architecture !== SEED_CNN ? { architecture: values.architecture } : {}),
    ...(labelSmoothing ? { labelSmoothing } : {}),
    ...(mixupAlpha ? { mixupAlpha } : {}),
    ...(specAugment ? { specAugment } : {}),
    ...(lrDecay !== undefined && lrDecay < 1 ? { lrDecay } : {}),
  };
  const log = (msg: string) => process.stderr.write(`${msg}\n`);
  const dataDir = path.resolve(values.data);
  checkDatasetDir(dataDir);
  if (values.from) checkModelDir(path.resolve(values.from));
  const tf = await initTf();

  let pipeline: FeaturePipeline = PIPELINE_CHOICES[values.pipeline ?? 'per-clip-standardize'];
  if (config.architecture === undefined && pipeline.name !== SEED_PIPELINE.name) throw new UsageError(`--pipeline ${values.pipeline} needs --architecture res-cnn (the seed CNN takes MFCC input only)`);
  let initialWeights: Float32Array[] | undefined;
  let parentVersion: string | null = null;
  if (values.from) {
    const from = await loadModelArtifact(new LocalFolderStore(path.resolve(values.from)), '');
    pipeline = from.metadata.featurePipeline;
    // The parent's network (its weights only fit that one).
    if (from.metadata.architecture === SEED_CNN) delete config.architecture;
    else config.architecture = from.metadata.architecture;
    initialWeights = snapshotWeights(from.model);
    parentVersion = `${from.metadata.name}@${from.metadata.version}`;
    config.from = parentVersion;
    from.model.dispose();
    log(`fine-tuning ${parentVersion} (${from.metadata.architecture}, pipeline ${pipeline.name} ${pipeline.normalization})`);
  }

  const { manifest, clips } = await loadDataset(new LocalFolderStore(dataDir), '');
  log(`dataset ${manifest.id.slice(0, 19)}: ${clips.length} clips; features (${pipeline.name} ${pipeline.normalization})...`);
  const sets = buildSplitFeatureSets({ pipeline, clips });
  if (sets.train.n === 0) throw new BuzzfinderError('empty_split', 'the dataset has no training clips');
  if (sets.validation.n === 0) {
    const all = Array.from({ length: sets.train.n }, (_, i) => i);
    const held = all.filter((i) => i % 5 === 4);
    if (held.length === 0 || held.length === all.length) throw new BuzzfinderError('empty_split', 'too few clips to hold out a validation set');
    sets.validation = subsetFeatureSet(sets.train, held);
    sets.train = subsetFeatureSet(sets.train, all.filter((i) => i % 5 !== 4));
    log(`no validation split: holding out ${held.length} of the training clips`);
  }
  log(`train ${sets.train.n}, validation ${sets.validation.n}, test ${sets.test.n}; ${JSON.stringify(config)}`);
  const session = await trainSession({
    train: sets.train,
    validation: sets.validation,
    config,
    initialWeights,
    timeBudgetMs: budgetSec === undefined ? undefined : budgetSec * 1000,
    onProgress: (p) => log(formatTrainingProgress(p)),
  });
  const trained = session.result ?? resultFromCheckpoint(session.checkpoint);
  if (!session.done) log(`time budget reached; keeping the best epoch (${trained.bestEpoch})`);
  const metrics = {
    validation: evaluateModel(trained.model, sets.validation),
    ...(sets.test.n > 0 ? { test: evaluateModel(trained.model, sets.test) } : {}),
  };
  const metadata = trainedModelMetadata({
    name: values.name ?? 'buzzfinder',
    version: values.version ?? 'local',
    pipeline,
    config,
    trained,
    manifest,
    sets,
    metrics,
    parentVersion,
    backend: tfBackendName(),
  });
  const out = path.resolve(values.out);
  fs.mkdirSync(out, { recursive: true });
  const store = new LocalFolderStore(out);
  await saveModelArtifact(store, '', trained.model, metadata);
  await store.write('metrics.json', JSON.stringify({ history: trained.history, bestEpoch: trained.bestEpoch, ...metrics }, null, 2) + '\n');
  trained.model.dispose();
  log(formatEvaluation(metrics.test ?? metrics.validation, metrics.test ? 'test split' : 'validation split'));
  process.stdout.write(
    JSON.stringify({
      out,
      epochsRun: trained.epochsRun,
      bestEpoch: trained.bestEpoch,
      stoppedEarly: trained.stoppedEarly,
      validationAccuracy: metrics.validation.accuracy,
      testAccuracy: metrics.test?.accuracy ?? null,
      numTensors: tf.memory().numTensors,
    }) + '\n',
  );
  return 0;
}
