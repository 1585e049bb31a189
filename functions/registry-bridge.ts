/**
 * The cloud functions' view of the model registry (shared/model/registry.ts): which version is latest, and how
 * a retrained model is registered (quality gate + atomic promotion) exactly once per job.
 */
import * as tf from '../shared/tf';
import type { LabelledClip } from '../shared/dataset/types';
import { FeaturePipeline } from '../shared/features/pipeline';
import { loadModelArtifact } from '../shared/model/artifact';
import { buildFeatureSet } from '../shared/model/data';
import { evaluateModel, trainedModelMetadata } from '../shared/model/fit';
import { ModelMetadata, TrainingConfig } from '../shared/model/metadata';
import { ModelRegistry, QualityGate } from '../shared/model/registry';
import type { TrainedModel } from '../shared/model/train';
import { ObjectStore } from '../shared/storage/types';
import type { FeatureSet } from '../shared/model/data';

export async function latestVersion(store: ObjectStore, name: string): Promise<{ version: string; prefix: string } | null> {
  const latest = await new ModelRegistry(store, name).latest();
  return latest ? { version: latest.pointer.version, prefix: latest.pointer.prefix } : null;
}

export function versionPrefix(store: ObjectStore, name: string, version: string): string {
  return new ModelRegistry(store, name).prefixOf(version);
}

/** Where the bundled model lives (what classify serves while the registry has no version). */
export interface BundledModel {
  store: ObjectStore;
  prefix: string;
}

/**
 * The registry's current version; when it has none, the bundled model is registered (and promoted) first, so that
 * whatever is trained next is compared with what classify has been serving instead of replacing it unchecked.
 */
export async function currentOrBundledVersion(store: ObjectStore, name: string, bundled: BundledModel, purpose: string): Promise<string> {
  const latest = await latestVersion(store, name);
  if (latest) return latest.version;
  const { model, metadata } = await loadModelArtifact(bundled.store, bundled.prefix);
  try {
    const registered = await new ModelRegistry(store, name).registerCandidate({
      model,
      metadata: { ...metadata, notes: { ...metadata.notes, registeredAs: `the bundled model ${metadata.name} ${metadata.version}, ${purpose}` } },
    });
    return registered.version;
  } finally {
    model.dispose();
  }
}

export interface RegisterInput {
  trained: TrainedModel;
  jobId: string;
  request: { dataset: string; from: string | null; epochs: number | null; seed: number | null };
  config: TrainingConfig;
  train: FeatureSet;
  validation: FeatureSet;
  pipeline: FeaturePipeline;
  manifest: { id: string; sources: string[] };
  /** The validation clips, to score a current model whose feature pipeline differs from the candidate's. */
  validationClips: readonly LabelledClip[];
}

export interface Registered {
  version: string;
  promoted: boolean;
  reason: string;
}

/** Gate: accuracy on the job's validation clips, each model with its own feature pipeline. */
function validationGate(input: RegisterInput): QualityGate {
  const sets = new Map<string, FeatureSet>([[JSON.stringify(input.pipeline), input.validation]]);
  return {
    name: 'validation-accuracy',
    async score(model: tf.LayersModel, metadata: ModelMetadata) {
      const key = JSON.stringify(metadata.featurePipeline);
      let set = sets.get(key);
      if (!set) {
        set = buildFeatureSet({ pipeline: metadata.featurePipeline, clips: input.validationClips });
        sets.set(key, set);
      }
      return evaluateModel(model, set).accuracy;
    },
  };
}

/** Registers a trained model; the gate compares it with the current version, or with the bundled model on an empty registry. */
export async function registerTrainedModel(store: ObjectStore, name: string, input: RegisterInput, bundled: BundledModel): Promise<Registered> {
  await currentOrBundledVersion(store, name, bundled, 'registered so that the first retrained version is gated against it');
  const registry = new ModelRegistry(store, name);
  const metadata = trainedModelMetadata({
    name,
    version: 'pending',
    pipeline: input.pipeline,
    config: input.config,
    trained: input.trained,
    manifest: input.manifest as { id: string; sources: never[] },
    sets: { train: input.train, validation: input.validation },
    metrics: { validation: evaluateModel(input.trained.model, input.validation) },
    parentVersion: input.request.from,
    backend: tf.getBackend(),
    notes: { jobId: input.jobId, dataset: input.request.dataset },
  });
  const result = await registry.registerCandidate({ model: input.trained.model, metadata, gate: validationGate(input) });
  return { version: result.version, promoted: result.promoted, reason: result.promotion.reason };
}

/** A version this job already registered (a crash between registering and recording it), or null. */
export async function findRegisteredByJob(store: ObjectStore, name: string, jobId: string): Promise<Registered | null> {
  const registry = new ModelRegistry(store, name);
  for (const version of (await registry.list()).reverse()) {
    const metadata = await registry.metadata(version);
    if (metadata.notes?.jobId === jobId) {
      const promotion = await registry.promotionRecord(version);
      return { version, promoted: promotion?.decision === 'promoted', reason: promotion?.reason ?? 'registered before a crash; promotion unknown' };
    }
  }
  return null;
}
