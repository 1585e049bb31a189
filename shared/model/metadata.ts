/**
 * metadata.json of a model artifact: what the model is, how its input is computed, how it was trained and
 * how well it does. Classification always uses `featurePipeline` from here, never a global default.
 */
import { CLASSES } from '../constants';
import type { FeaturePipeline } from '../features/pipeline';
import type { SpecAugmentConfig } from './augment';
import { ModelFormatError } from './io';
import type { EvaluationReport } from './evaluate';
import type { EpochStats } from './history';

export const MODEL_METADATA_FORMAT = 'buzzfinder-model';
export const MODEL_METADATA_VERSION = 1;
export const METADATA_JSON = 'metadata.json';
export const LEARNING_CURVE_SVG = 'learning-curve.svg';

export interface TrainingConfig {
  seed: number;
  maxEpochs: number;
  batchSize: number;
  learningRate: number;
  /** Early stopping on validation loss: epochs without improvement before stopping; the best weights are kept. */
  patience: number;
  /**
   * BatchNorm moving-average momentum while training (default 0.99 as in the seed). With few epochs 0.99 leaves the
   * moving variance far from the batch statistics (0.99^steps of its initial 1 remains), so inference disagrees with
   * training; 0.9 converges within ~50 steps.
   */
  bnMomentum?: number;
  /** The model this one was fine-tuned from (its name@version or folder), if any. */
  from?: string;
  /** Multiply Adam's learning rate by this after every epoch that does not improve the validation loss (absent = constant). */
  lrDecay?: number;
  /** Network to train (architecture.ts ARCHITECTURES); default 'seed-cnn'. */
  architecture?: string;
  /** Targets (1 - eps) * one-hot + eps / 3 (0 = off). */
  labelSmoothing?: number;
  /** Mixup within each batch with lambda ~ Beta(alpha, alpha) (0 / absent = off). */
  mixupAlpha?: number;
  /** SpecAugment-style masks on every training example (absent = off). */
  specAugment?: SpecAugmentConfig;
  /** Each training example moved by up to this many feature frames either way (absent / 0 = off). */
  timeShiftFrames?: number;
  /**
   * Knowledge distillation: each training target is (1 - weight) x its (smoothed) label + weight x the teacher
   * model's probabilities for that clip (given to trainSession as teacherProbs; with several teachers, 'a + b', their
   * mean). Validation loss stays on labels.
   */
  distillation?: { teacher: string; weight: number };
}

export interface TrainingSummary {
  config: TrainingConfig;
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number;
  stoppedEarly: boolean;
  durationSec: number;
  backend: string;
  dataset: { id: string; sources: string[]; counts: Record<string, number> };
}

export interface PromotionRecord {
  decision: 'promoted' | 'rejected' | 'manual' | 'rollback';
  at: string;
  reason: string;
  /** Gate-set accuracy of this model and of the model it was compared with. */
  candidateAccuracy?: number;
  currentAccuracy?: number;
  currentVersion?: string | null;
}

export const MODEL_ORIGINS = ['trained', 'keras-import', 'personalized'] as const;
export type ModelOrigin = (typeof MODEL_ORIGINS)[number];

/** One labelled note a personalised model was tuned on. */
export interface PersonalizationShot {
  /** The source file (relative to the folder given, or the take's name). */
  file: string;
  class: string;
  /** SHA-256 (hex) of the source file's bytes. */
  sha256: string;
  /** Where the note starts in the file, seconds. */
  onsetSec?: number;
}

/** What `buzzfinder personalize` did (origin 'personalized'): the user's shots, the replayed clips and the recipe. */
export interface PersonalizationRecord {
  shots: PersonalizationShot[];
  /** The generated (or dataset) clips replayed so the other classes and instruments are not forgotten. */
  replay: Record<string, unknown>;
  config: Record<string, unknown>;
  seed: number;
  durationSec?: number;
}

export interface ModelMetadata {
  format: typeof MODEL_METADATA_FORMAT;
  formatVersion: typeof MODEL_METADATA_VERSION;
  name: string;
  /** 'v0001'-style inside a registry; free text (e.g. 'default-1') elsewhere. */
  version: string;
  created: string;
  classes: string[];
  architecture: string;
  inputShape: number[];
  featurePipeline: FeaturePipeline;
  /** 'trained' by buzzfinder, 'keras-import' of the original project's .h5, or 'personalized' from a few of a user's notes. */
  origin: ModelOrigin;
  parentVersion: string | null;
  training?: TrainingSummary;
  history?: EpochStats[];
  metrics?: Record<string, EvaluationReport | undefined>;
  promotion?: PromotionRecord;
  /** Present when origin is 'personalized'. */
  personalization?: PersonalizationRecord;
  /** Free-form provenance (import source file, notes). */
  notes?: Record<string, unknown>;
}

/** Checks the fields every consumer relies on; throws ModelFormatError (code 'bad_model'). */
export function assertModelMetadata(value: unknown): ModelMetadata {
  const m = value as Partial<ModelMetadata> | null;
  if (!m || typeof m !== 'object') throw new ModelFormatError('metadata.json is not an object');
  if (m.format !== MODEL_METADATA_FORMAT) throw new ModelFormatError(`metadata.json format is '${String(m.format)}', expected '${MODEL_METADATA_FORMAT}'`);
  if (m.formatVersion !== MODEL_METADATA_VERSION) throw new ModelFormatError(`unsupported metadata formatVersion ${String(m.formatVersion)}`);
  if (typeof m.name !== 'string' || typeof m.version !== 'string') throw new ModelFormatError('metadata.json needs name and version strings');
  if (!Array.isArray(m.classes) || m.classes.join(',') !== CLASSES.join(',')) {
    throw new ModelFormatError(`model classes ${JSON.stringify(m.classes)} differ from ${JSON.stringify(CLASSES)}`);
  }
  if (!m.featurePipeline || typeof m.featurePipeline !== 'object') throw new ModelFormatError('metadata.json lacks featurePipeline');
  if (m.origin !== undefined && !(MODEL_ORIGINS as readonly string[]).includes(m.origin)) throw new ModelFormatError(`unknown model origin '${String(m.origin)}'`);
  if (m.origin === 'personalized') assertPersonalization(m);
  return m as ModelMetadata;
}

function assertPersonalization(m: Partial<ModelMetadata>): void {
  const p = m.personalization;
  if (typeof m.parentVersion !== 'string' || m.parentVersion === '') throw new ModelFormatError('a personalized model must name its parentVersion');
  if (!p || typeof p !== 'object') throw new ModelFormatError('a personalized model needs a personalization record');
  if (!Array.isArray(p.shots) || p.shots.length === 0) throw new ModelFormatError('personalization.shots must list the shots');
  p.shots.forEach((s, i) => {
    if (!s || typeof s.file !== 'string' || !CLASSES.includes(s.class as (typeof CLASSES)[number]) || !/^[0-9a-f]{64}$/.test(String(s.sha256))) {
      throw new ModelFormatError(`personalization.shots[${i}] needs file, class (${CLASSES.join('/')}) and a sha256`);
    }
  });
  if (!Number.isInteger(p.seed)) throw new ModelFormatError('personalization.seed must be an integer');
  if (!p.replay || typeof p.replay !== 'object' || !p.config || typeof p.config !== 'object') throw new ModelFormatError('personalization needs replay and config objects');
}
