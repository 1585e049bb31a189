/**
 * The steps shared by `buzzfinder train`, the default-model script and the retrain function:
 * dataset clips -> per-split feature sets -> trainSession -> evaluation -> artifact metadata.
 */
import * as tf from '../tf';
import { CLASSES } from '../constants';
import type { LabelledClip, Manifest } from '../dataset/types';
import type { FeaturePipeline } from '../features/pipeline';
import { SEED_CNN } from './architecture';
import { predictFeatures } from './classifier';
import { buildFeatureSet, clipsOfSplit, featureShape, FeatureSet } from './data';
import { EvaluationReport, evaluatePredictions } from './evaluate';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, ModelMetadata, TrainingConfig } from './metadata';
import type { QualityGate } from './registry';
import { TrainedModel } from './train';

export interface SplitFeatureSets {
  train: FeatureSet;
  validation: FeatureSet;
  test: FeatureSet;
}

/** Features for each split. A dataset without a validation split cannot train (early stopping needs it). */
export function buildSplitFeatureSets(options: {
  pipeline: FeaturePipeline;
  clips: readonly LabelledClip[];
  onProgress?: (split: string, done: number, total: number) => void;
}): SplitFeatureSets {
  const { pipeline, clips, onProgress } = options;
  const make = (split: 'train' | 'validation' | 'test') =>
    buildFeatureSet({ pipeline, clips: clipsOfSplit(clips, split), onProgress: (d, t) => onProgress?.(split, d, t) });
  return { train: make('train'), validation: make('validation'), test: make('test') };
}

/** Accuracy, loss, per-class scores and confusion of `model` on a feature set, broken down by source and group. */
export function evaluateModel(model: tf.LayersModel, set: FeatureSet): EvaluationReport {
  const probabilities = predictFeatures(model, set.x, set.n);
  return evaluatePredictions({ labels: set.y, probabilities, sources: set.sources, groups: set.groups });
}

export function countByClass(set: FeatureSet): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(CLASSES.map((c) => [c, 0]));
  for (let i = 0; i < set.n; i++) counts[CLASSES[set.y[i]]]++;
  return counts;
}

/** metadata.json for a model produced by trainSession. */
export function trainedModelMetadata(options: {
  name: string;
  version: string;
  pipeline: FeaturePipeline;
  config: TrainingConfig;
  trained: TrainedModel;
  manifest: Pick<Manifest, 'id' | 'sources'>;
  sets: Pick<SplitFeatureSets, 'train' | 'validation'> & Partial<Pick<SplitFeatureSets, 'test'>>;
  metrics?: Record<string, EvaluationReport | undefined>;
  parentVersion?: string | null;
  backend: string;
  now?: Date;
  notes?: Record<string, unknown>;
}): ModelMetadata {
  const { trained, sets } = options;
  return {
    format: MODEL_METADATA_FORMAT,
    formatVersion: MODEL_METADATA_VERSION,
    name: options.name,
    version: options.version,
    created: (options.now ?? new Date()).toISOString(),
    classes: [...CLASSES],
    architecture: options.config.architecture ?? SEED_CNN,
    inputShape: [...featureShape(sets.train), 1],
    featurePipeline: options.pipeline,
    origin: 'trained',
    parentVersion: options.parentVersion ?? null,
    training: {
      config: options.config,
      epochsRun: trained.epochsRun,
      bestEpoch: trained.bestEpoch,
      bestValLoss: trained.bestValLoss,
      stoppedEarly: trained.stoppedEarly,
      durationSec: Math.round(trained.elapsedSec * 10) / 10,
      backend: options.backend,
      dataset: {
        id: options.manifest.id,
        sources: [...options.manifest.sources],
        counts: { train: sets.train.n, validation: sets.validation.n, ...(sets.test ? { test: sets.test.n } : {}) },
      },
    },
    history: trained.history,
    metrics: options.metrics,
    ...(options.notes ? { notes: options.notes } : {}),
  };
}

/**
 * A registry QualityGate: accuracy on fixed clips (e.g. a dataset's test split), with features computed by each
 * model's own pipeline (cached per pipeline).
 */
export function accuracyGate(options: { name: string; clips: readonly LabelledClip[]; tolerance?: number }): QualityGate {
  if (options.clips.length === 0) throw new TypeError('accuracyGate: needs at least one clip');
  const cache = new Map<string, FeatureSet>();
  return {
    name: options.name,
    tolerance: options.tolerance,
    async score(model, metadata) {
      const key = JSON.stringify(metadata.featurePipeline);
      let set = cache.get(key);
      if (!set) {
        set = buildFeatureSet({ pipeline: metadata.featurePipeline, clips: options.clips });
        cache.set(key, set);
      }
      return evaluateModel(model, set).accuracy;
    },
  };
}
