/**
 * Runtime configuration, read from environment variables in one place.
 * The same names are set by the Pulumi program (infra/) on the deployed functions and documented in README.md.
 * With nothing set, everything runs on the embedded default: a local folder, an in-process queue, the bundled model.
 */
import * as path from 'node:path';
import { DEFAULT_MAX_INPUT_BYTES } from '../shared/constants';
import { BuzzfinderError } from '../shared/errors';

export const ENV = {
  /** 'local' (default) or 'gcs'. */
  storage: 'BUZZFINDER_STORAGE',
  /** Root folder of the local store; each "bucket" is a subfolder. */
  localRoot: 'BUZZFINDER_LOCAL_ROOT',
  uploadsBucket: 'BUZZFINDER_UPLOADS_BUCKET',
  /** Only objects under this prefix of the uploads bucket are treated as takes. */
  uploadsPrefix: 'BUZZFINDER_UPLOADS_PREFIX',
  reportsBucket: 'BUZZFINDER_REPORTS_BUCKET',
  modelsBucket: 'BUZZFINDER_MODELS_BUCKET',
  datasetsBucket: 'BUZZFINDER_DATASETS_BUCKET',
  /** 'memory' (default, in-process) or 'pubsub'. */
  queue: 'BUZZFINDER_QUEUE',
  retrainTopic: 'BUZZFINDER_RETRAIN_TOPIC',
  /** GCP project for Pub/Sub (falls back to GOOGLE_CLOUD_PROJECT). */
  project: 'BUZZFINDER_PROJECT',
  modelName: 'BUZZFINDER_MODEL_NAME',
  /** Folder of the bundled model used when the registry has none. */
  defaultModelDir: 'BUZZFINDER_DEFAULT_MODEL_DIR',
  maxUploadBytes: 'BUZZFINDER_MAX_UPLOAD_BYTES',
  maxEventAgeSec: 'BUZZFINDER_MAX_EVENT_AGE_SEC',
  modelRefreshSec: 'BUZZFINDER_MODEL_REFRESH_SEC',
  trainBudgetSec: 'BUZZFINDER_TRAIN_BUDGET_SEC',
  /** Port of the local stack's classify endpoint. */
  port: 'PORT',
  /** How long a retrain invocation's job lease lasts (default: trainBudgetSec + 180). */
  jobLeaseSec: 'BUZZFINDER_JOB_LEASE_SEC',
  /** How often the local stack looks for new uploads and queued messages, in ms. */
  localPollMs: 'BUZZFINDER_LOCAL_POLL_MS',
  /** Worker threads classifying clips in `buzzfinder report` (default: one per core, at most 4; 0 = in the main thread). */
  reportWorkers: 'BUZZFINDER_REPORT_WORKERS',
} as const;

export interface Config {
  storage: 'local' | 'gcs';
  localRoot: string;
  uploadsBucket: string;
  uploadsPrefix: string;
  reportsBucket: string;
  modelsBucket: string;
  datasetsBucket: string;
  queue: 'memory' | 'pubsub';
  retrainTopic: string;
  project: string | undefined;
  modelName: string;
  defaultModelDir: string;
  maxUploadBytes: number;
  maxEventAgeSec: number;
  modelRefreshSec: number;
  trainBudgetSec: number;
  port: number;
  jobLeaseSec: number;
  localPollMs: number;
  /** null: one per core (adapters/classifier-workers.ts defaultWorkerCount). */
  reportWorkers: number | null;
}

/** A setting (environment variable) that cannot be used: code `bad_config`, so the CLI says which one, without a stack. */
export class ConfigError extends BuzzfinderError {
  constructor(message: string) {
    super('bad_config', message);
  }
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got '${raw}'`);
  return n;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

/** Repository root (this file is adapters/config.ts, or dist/adapters/config.js after a build). */
function workerCount(env: NodeJS.ProcessEnv, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new ConfigError(`${name} must be an integer in 0..64, got '${raw}'`);
  return n;
}

export const REPO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const str = (name: string, fallback: string) => (env[name] ? String(env[name]) : fallback);
  return {
    storage: oneOf(env, ENV.storage, ['local', 'gcs'] as const, 'local'),
    localRoot: path.resolve(str(ENV.localRoot, path.join(REPO_ROOT, '.buzzfinder'))),
    uploadsBucket: str(ENV.uploadsBucket, 'uploads'),
    uploadsPrefix: str(ENV.uploadsPrefix, ''),
    reportsBucket: str(ENV.reportsBucket, 'reports'),
    modelsBucket: str(ENV.modelsBucket, 'models'),
    datasetsBucket: str(ENV.datasetsBucket, 'datasets'),
    queue: oneOf(env, ENV.queue, ['memory', 'pubsub'] as const, 'memory'),
    retrainTopic: str(ENV.retrainTopic, 'buzzfinder-retrain'),
    project: env[ENV.project] || env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || undefined,
    modelName: str(ENV.modelName, 'buzzfinder'),
    defaultModelDir: path.resolve(str(ENV.defaultModelDir, path.join(REPO_ROOT, 'models', 'default'))),
    maxUploadBytes: positiveNumber(env, ENV.maxUploadBytes, DEFAULT_MAX_INPUT_BYTES),
    maxEventAgeSec: positiveNumber(env, ENV.maxEventAgeSec, 6 * 3600),
    modelRefreshSec: positiveNumber(env, ENV.modelRefreshSec, 60),
    trainBudgetSec: positiveNumber(env, ENV.trainBudgetSec, 420),
    port: positiveNumber(env, ENV.port, 8080),
    jobLeaseSec: positiveNumber(env, ENV.jobLeaseSec, positiveNumber(env, ENV.trainBudgetSec, 420) + 180),
    localPollMs: positiveNumber(env, ENV.localPollMs, 500),
    reportWorkers: workerCount(env, ENV.reportWorkers),
  };
}
