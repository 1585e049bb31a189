/**
 * Builds what the handlers need from configuration (adapters/config.ts): buckets, queue, the model cache,
 * dataset loading and registration. One runtime per process, created on first use.
 */
import { Config, loadConfig } from '../adapters/config';
import { openQueue } from '../adapters/queue/open';
import type { SubscribableQueue } from '../adapters/queue/types';
import { LocalFolderStore } from '../adapters/storage/local';
import { openBucket } from '../adapters/storage/open';
import { initTf } from '../adapters/tf-backend';
import { loadDataset } from '../shared/dataset/read';
import { BuzzfinderError } from '../shared/errors';
import { SEED_PIPELINE } from '../shared/features/pipeline';
import { snapshotWeights } from '../shared/model/architecture';
import { loadModelArtifact, loadModelMetadata } from '../shared/model/artifact';
import { buildFeatureSet, clipsOfSplit } from '../shared/model/data';
import { ObjectStore } from '../shared/storage/types';
import type { ClassifyDeps } from './classify';
import { ModelCache } from './model-cache';
import { BundledModel, findRegisteredByJob, latestVersion, RegisterInput, registerTrainedModel, versionPrefix } from './registry-bridge';
import type { RetrainDeps, TrainingData } from './retrain';
import type { SplitTakeDeps } from './split-take';

export interface FunctionsRuntime {
  config: Config;
  uploads: ObjectStore;
  reports: ObjectStore;
  models: ObjectStore;
  datasets: ObjectStore;
  queue: SubscribableQueue;
  modelCache: ModelCache;
  /** The model folder shipped with the code: served while the registry is empty, and the registry's first version. */
  bundled: BundledModel;
  classify: ClassifyDeps;
  splitTake: SplitTakeDeps;
  retrain: RetrainDeps;
}

export class RetrainRequestError extends BuzzfinderError {}

type RegistrationContext = Pick<RegisterInput, 'pipeline' | 'manifest' | 'validationClips'>;

export function createRuntime(config: Config = loadConfig(), overrides: { queue?: SubscribableQueue } = {}): FunctionsRuntime {
  const uploads = openBucket(config, config.uploadsBucket);
  const reports = openBucket(config, config.reportsBucket);
  const models = openBucket(config, config.modelsBucket);
  const datasets = openBucket(config, config.datasetsBucket);
  const queue = overrides.queue ?? openQueue(config);
  const name = config.modelName;
  const bundled: BundledModel = { store: new LocalFolderStore(config.defaultModelDir), prefix: '' };
  const modelCache = new ModelCache({
    resolveLatest: async () => {
      const latest = await latestVersion(models, name);
      return latest ? { version: latest.version, store: models, prefix: latest.prefix } : null;
    },
    fallback: bundled,
    refreshSec: config.modelRefreshSec,
  });

  const pipelineOf = async (from: string | null) => (from ? (await loadModelMetadata(models, versionPrefix(models, name, from))).featurePipeline : SEED_PIPELINE);

  const loadTrainingData = async (request: { dataset: string; from: string | null }): Promise<TrainingData> => {
    const { clips, manifest } = await loadDataset(datasets, request.dataset);
    const pipeline = await pipelineOf(request.from);
    const train = clipsOfSplit(clips, 'train');
    let validation = clipsOfSplit(clips, 'validation');
    if (validation.length === 0) validation = clipsOfSplit(clips, 'test');
    if (train.length === 0 || validation.length === 0) {
      throw new RetrainRequestError('bad_dataset', `dataset '${request.dataset}' needs clips in the train and validation (or test) splits`);
    }
    const sets = { train: buildFeatureSet({ pipeline, clips: train }), validation: buildFeatureSet({ pipeline, clips: validation }) };
    const context: RegistrationContext = { pipeline, manifest: { id: manifest.id, sources: [...manifest.sources] }, validationClips: validation };
    return { ...sets, context };
  };

  const loadInitialWeights = async (from: string | null) => {
    if (!from) return undefined;
    await initTf();
    const { model } = await loadModelArtifact(models, versionPrefix(models, name, from));
    try {
      return snapshotWeights(model);
    } finally {
      model.dispose();
    }
  };

  return {
    config,
    uploads,
    reports,
    models,
    datasets,
    queue,
    modelCache,
    bundled,
    classify: { models: modelCache, maxUploadBytes: config.maxUploadBytes },
    splitTake: {
      uploads,
      reports,
      uploadsBucket: config.uploadsBucket,
      reportsBucket: config.reportsBucket,
      uploadsPrefix: config.uploadsPrefix,
      models: modelCache,
      maxEventAgeSec: config.maxEventAgeSec,
      maxUploadBytes: config.maxUploadBytes,
    },
    retrain: {
      models,
      modelName: name,
      queue,
      loadTrainingData,
      loadInitialWeights,
      register: (input) => {
        const context = input.data.context as RegistrationContext;
        const full: RegisterInput = { ...input, train: input.data.train, validation: input.data.validation, ...context };
        return registerTrainedModel(models, name, full, bundled);
      },
      findRegistered: (jobId) => findRegisteredByJob(models, name, jobId),
      trainBudgetSec: config.trainBudgetSec,
      leaseSec: config.jobLeaseSec,
    },
  };
}

let shared: FunctionsRuntime | undefined;

/** The process's runtime (deployed functions and the local stack share this). */
export function runtime(): FunctionsRuntime {
  shared ??= createRuntime();
  return shared;
}
