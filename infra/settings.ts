/**
 * Stack settings of the buzzfinder deployment: defaults, overrides from stack config, validation.
 * Pure (no Pulumi runtime, no fs): index.ts maps `pulumi.Config` onto `StackSettingsInput`,
 * tests call `resolveSettings` directly.
 */
import { defaultBucketNames, defaultResourceNames, assertBucketName, assertNamePrefix, type BucketNames, type ResourceNames } from './naming';

/** Size and scaling of one function (gen2 = one Cloud Run service). */
export interface FunctionSizing {
  /** Memory per instance, Cloud Run notation ('512Mi', '1Gi', '4Gi'). */
  memory: string;
  /** vCPUs per instance ('1', '2', ...). */
  cpu: string;
  timeoutSec: number;
  /** Requests one instance serves at once. */
  concurrency: number;
  minInstances: number;
  maxInstances: number;
}

export type FunctionKey = 'classify' | 'splitTake' | 'retrain';

/**
 * Defaults, to be replaced by the lead's benchmark numbers.
 * classify: tfjs-wasm runs single-threaded per instance, so concurrent requests share one core: inference is
 *   serialised, concurrency only overlaps request I/O (upload parsing, model refresh). 1 vCPU is what one instance can use.
 * splitTake: a whole take is decoded/streamed and every note classified; 540 s is the event-driven maximum.
 * retrain: training is the heaviest job; max 1 instance so two retrains never race on the registry.
 */
export const DEFAULT_SIZING: Readonly<Record<FunctionKey, Readonly<FunctionSizing>>> = {
  classify: { memory: '1Gi', cpu: '1', timeoutSec: 60, concurrency: 8, minInstances: 0, maxInstances: 10 },
  splitTake: { memory: '2Gi', cpu: '1', timeoutSec: 540, concurrency: 1, minInstances: 0, maxInstances: 5 },
  retrain: { memory: '4Gi', cpu: '2', timeoutSec: 540, concurrency: 1, minInstances: 0, maxInstances: 1 },
};

/** Longest allowed timeouts: HTTP functions 3600 s, event-driven functions 540 s. */
export const MAX_TIMEOUT_SEC: Readonly<Record<FunctionKey, number>> = { classify: 3600, splitTake: 540, retrain: 540 };

/** Seconds of the retrain timeout kept free for saving the checkpoint and publishing the continuation. */
export const TRAIN_BUDGET_MARGIN_SEC = 120;

export interface StackSettings {
  project: string;
  region: string;
  /** Bucket location (a region like 'EUROPE-WEST1' or a multi-region like 'EU'); defaults to the region. */
  bucketLocation: string;
  /** Region of the storage trigger: must match the uploads bucket's location (lower case). */
  storageTriggerRegion: string;
  namePrefix: string;
  names: ResourceNames;
  buckets: BucketNames;
  /** Only objects under this prefix of the uploads bucket are treated as takes. */
  uploadsPrefix: string;
  /** Days after which takes / reports are deleted; 0 keeps them forever. */
  uploadsRetentionDays: number;
  reportsRetentionDays: number;
  /** Days a replaced (non-current) model object version is kept; what a rollback of an overwritten file can reach. */
  modelNoncurrentRetentionDays: number;
  /** Let `pulumi destroy` delete non-empty buckets. */
  forceDestroyBuckets: boolean;
  modelName: string;
  trainBudgetSec: number;
  /** Optional BUZZFINDER_MAX_UPLOAD_BYTES; undefined keeps the functions' built-in default. */
  maxUploadBytes: number | undefined;
  /** IAM members allowed to call classify ('user:a@b.c', 'serviceAccount:...', 'group:...'). */
  classifyInvokers: string[];
  /** Deliberately make classify callable by anyone (allUsers). */
  publicClassify: boolean;
  sizing: Record<FunctionKey, FunctionSizing>;
}

/** What the stack config may set; everything optional except project and region. */
export interface StackSettingsInput {
  project: string;
  region: string;
  bucketLocation?: string;
  namePrefix?: string;
  uploadsBucket?: string;
  reportsBucket?: string;
  modelsBucket?: string;
  datasetsBucket?: string;
  sourceBucket?: string;
  uploadsPrefix?: string;
  uploadsRetentionDays?: number;
  reportsRetentionDays?: number;
  modelNoncurrentRetentionDays?: number;
  forceDestroyBuckets?: boolean;
  modelName?: string;
  trainBudgetSec?: number;
  maxUploadBytes?: number;
  classifyInvokers?: string[];
  publicClassify?: boolean;
  classify?: Partial<FunctionSizing>;
  splitTake?: Partial<FunctionSizing>;
  retrain?: Partial<FunctionSizing>;
}

/** A stack setting that cannot work; the message names the `buzzfinder:` key to fix. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

const MEMORY_PATTERN = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)$/;

/** Memory string -> MiB (Cloud Run accepts Mi/Gi and decimal M/G). */
export function memoryMiB(memory: string): number {
  const match = MEMORY_PATTERN.exec(memory);
  if (!match) throw new SettingsError(`memory '${memory}' is not like '512Mi', '1Gi' or '2G'`);
  const value = Number(match[1]);
  switch (match[2]) {
    case 'Mi': return value;
    case 'Gi': return value * 1024;
    case 'M': return (value * 1e6) / 2 ** 20;
    default: return (value * 1e9) / 2 ** 20;
  }
}

function positiveInt(value: number, key: string, { allowZero = false } = {}): number {
  if (!Number.isInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new SettingsError(`buzzfinder:${key} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`);
  }
  return value;
}

/** Checks one function's sizing against Cloud Run's limits (documented CPU/memory/concurrency rules). */
export function validateSizing(key: FunctionKey, sizing: FunctionSizing): FunctionSizing {
  const mib = memoryMiB(sizing.memory);
  const cpu = Number(sizing.cpu);
  if (!Number.isFinite(cpu) || cpu <= 0 || cpu > 8) throw new SettingsError(`buzzfinder:${key}.cpu must be between 0.08 and 8, got '${sizing.cpu}'`);
  if (mib < 128 || mib > 32 * 1024) throw new SettingsError(`buzzfinder:${key}.memory must be between 128Mi and 32Gi, got '${sizing.memory}'`);
  if (mib > 4 * 1024 && cpu < 2) throw new SettingsError(`buzzfinder:${key}: more than 4Gi of memory needs cpu >= 2`);
  if (mib > 8 * 1024 && cpu < 4) throw new SettingsError(`buzzfinder:${key}: more than 8Gi of memory needs cpu >= 4`);
  positiveInt(sizing.timeoutSec, `${key}.timeoutSec`);
  if (sizing.timeoutSec > MAX_TIMEOUT_SEC[key]) {
    throw new SettingsError(`buzzfinder:${key}.timeoutSec must be at most ${MAX_TIMEOUT_SEC[key]} s, got ${sizing.timeoutSec}`);
  }
  positiveInt(sizing.concurrency, `${key}.concurrency`);
  if (sizing.concurrency > 1 && cpu < 1) throw new SettingsError(`buzzfinder:${key}: concurrency > 1 needs cpu >= 1`);
  if (sizing.concurrency > 1000) throw new SettingsError(`buzzfinder:${key}.concurrency must be at most 1000`);
  positiveInt(sizing.minInstances, `${key}.minInstances`, { allowZero: true });
  positiveInt(sizing.maxInstances, `${key}.maxInstances`);
  if (sizing.minInstances > sizing.maxInstances) throw new SettingsError(`buzzfinder:${key}.minInstances exceeds maxInstances`);
  return sizing;
}

/**
 * Stack config set with `pulumi config set --path` may hold numbers as strings (or cpu as a number):
 * coerce to the declared types; non-numeric strings become NaN and fail validation with the key's name.
 */
function normalizeSizing(raw: FunctionSizing): FunctionSizing {
  const num = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : (v as number));
  return {
    memory: String(raw.memory),
    cpu: String(raw.cpu),
    timeoutSec: num(raw.timeoutSec),
    concurrency: num(raw.concurrency),
    minInstances: num(raw.minInstances),
    maxInstances: num(raw.maxInstances),
  };
}

const MEMBER_PATTERN = /^(user|serviceAccount|group|domain|principal|principalSet):\S+$/;

export function resolveSettings(input: StackSettingsInput): StackSettings {
  if (!input.project) throw new SettingsError('gcp:project is not set: run `pulumi config set gcp:project <your-project-id>`');
  if (!input.region) throw new SettingsError('gcp:region is not set: run `pulumi config set gcp:region <region, e.g. europe-west1>`');
  const namePrefix = assertNamePrefix(input.namePrefix ?? 'buzzfinder');
  const bucketLocation = (input.bucketLocation ?? input.region).toUpperCase();
  const defaults = defaultBucketNames({ project: input.project, prefix: namePrefix });
  const buckets: BucketNames = {
    uploads: assertBucketName(input.uploadsBucket ?? defaults.uploads, 'uploadsBucket'),
    reports: assertBucketName(input.reportsBucket ?? defaults.reports, 'reportsBucket'),
    models: assertBucketName(input.modelsBucket ?? defaults.models, 'modelsBucket'),
    datasets: assertBucketName(input.datasetsBucket ?? defaults.datasets, 'datasetsBucket'),
    source: assertBucketName(input.sourceBucket ?? defaults.source, 'sourceBucket'),
  };
  if (new Set(Object.values(buckets)).size !== Object.keys(buckets).length) {
    throw new SettingsError('the uploads, reports, models, datasets and source buckets must be five different buckets');
  }

  const sizing = {} as Record<FunctionKey, FunctionSizing>;
  for (const key of Object.keys(DEFAULT_SIZING) as FunctionKey[]) {
    sizing[key] = validateSizing(key, normalizeSizing({ ...DEFAULT_SIZING[key], ...(input[key] ?? {}) }));
  }

  const trainBudgetSec = input.trainBudgetSec ?? Math.max(30, sizing.retrain.timeoutSec - TRAIN_BUDGET_MARGIN_SEC);
  positiveInt(trainBudgetSec, 'trainBudgetSec');
  if (trainBudgetSec >= sizing.retrain.timeoutSec) {
    throw new SettingsError(`buzzfinder:trainBudgetSec (${trainBudgetSec}) must be below retrain.timeoutSec (${sizing.retrain.timeoutSec}) so a checkpoint is saved before the function is killed`);
  }
  if (input.maxUploadBytes !== undefined) positiveInt(input.maxUploadBytes, 'maxUploadBytes');

  const classifyInvokers = [...(input.classifyInvokers ?? [])];
  for (const member of classifyInvokers) {
    if (member === 'allUsers' || member === 'allAuthenticatedUsers') {
      throw new SettingsError(`buzzfinder:classifyInvokers must not hold '${member}': set buzzfinder:publicClassify true to make classify public deliberately`);
    }
    if (!MEMBER_PATTERN.test(member)) {
      throw new SettingsError(`buzzfinder:classifyInvokers entry '${member}' is not an IAM member like 'user:you@example.com' or 'serviceAccount:...'`);
    }
  }

  const uploadsPrefix = input.uploadsPrefix ?? 'takes/';
  if (uploadsPrefix.startsWith('/')) throw new SettingsError(`buzzfinder:uploadsPrefix must not start with '/', got '${uploadsPrefix}'`);

  const modelName = input.modelName ?? 'buzzfinder';
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(modelName)) throw new SettingsError(`buzzfinder:modelName '${modelName}' must be a simple name (letters, digits, . _ -)`);

  return {
    project: input.project,
    region: input.region,
    bucketLocation,
    storageTriggerRegion: bucketLocation.toLowerCase(),
    namePrefix,
    names: defaultResourceNames(namePrefix),
    buckets,
    uploadsPrefix,
    uploadsRetentionDays: positiveInt(input.uploadsRetentionDays ?? 30, 'uploadsRetentionDays', { allowZero: true }),
    reportsRetentionDays: positiveInt(input.reportsRetentionDays ?? 90, 'reportsRetentionDays', { allowZero: true }),
    modelNoncurrentRetentionDays: positiveInt(input.modelNoncurrentRetentionDays ?? 30, 'modelNoncurrentRetentionDays'),
    forceDestroyBuckets: input.forceDestroyBuckets ?? false,
    modelName,
    trainBudgetSec,
    maxUploadBytes: input.maxUploadBytes,
    classifyInvokers,
    publicClassify: input.publicClassify ?? false,
    sizing,
  };
}
