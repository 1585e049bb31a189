/**
 * retrain (google.cloud.pubsub.topic.v1.messagePublished): a queue-based, resumable training job.
 *
 * Message: {"dataset": "<prefix>", "from"?: "<version>", "epochs"?: N, "seed"?: S, "jobId"?: "<id>", "step"?: k}
 * Each invocation trains for at most trainBudgetSec, saves a checkpoint and publishes a continuation
 * (same job, step k+1) until training is done; then the model goes through the registry's quality gate.
 *
 * Safety under at-least-once, duplicated and stale delivery (all objects in the models bucket):
 *   models/<name>/jobs/<jobId>.json   status: state, step, epoch, metrics, version, errors (readable by anyone)
 *   models/<name>/jobs/<jobId>.lock   lease {owner, expiresAt}: created create-only, taken over only when
 *                                     expired, with the generation read; released with that generation
 *   models/<name>/jobs/<jobId>.ckpt   checkpoint, written only with the generation read at the start
 * A message whose step is behind the job's is stale (acknowledged); one ahead of it, or one that finds a
 * live lease, is retried later (rejected). A job id defaults to one derived from the message id, so a
 * redelivered first message is the same job. Malformed messages are acknowledged with a logged error.
 */
import { randomUUID } from 'node:crypto';
import { BuzzfinderError } from '../shared/errors';
import type { FeatureSet } from '../shared/model/data';
import { loadCheckpoint, saveCheckpoint } from '../shared/model/checkpoint';
import type { TrainingConfig } from '../shared/model/metadata';
import { TrainedModel, TrainingCheckpoint, trainSession } from '../shared/model/train';
import { ObjectInfo, ObjectStore, PreconditionFailedError, readJson, writeJson } from '../shared/storage/types';
import { decodeMessageJson, MessagePublishedEvent, RetrainQueue } from '../adapters/queue/types';
import { initTf } from '../adapters/tf-backend';
import { errorFields, log } from './logger';

export interface RetrainMessage {
  dataset: string;
  from?: string;
  epochs?: number;
  seed?: number;
  jobId?: string;
  step?: number;
}

export type JobState = 'running' | 'registering' | 'succeeded' | 'failed';

export interface JobStatus {
  format: 'buzzfinder-retrain-job';
  version: 1;
  jobId: string;
  model: string;
  state: JobState;
  /** Invocations completed; the next message for this job must carry this step. */
  step: number;
  /** Whether the continuation for `step` has been published (a crash in between republishes it). */
  continuationPublished: boolean;
  request: { dataset: string; from: string | null; epochs: number | null; seed: number | null };
  epoch: number;
  maxEpochs: number | null;
  metrics: { loss?: number; acc?: number; valLoss?: number; valAcc?: number; bestEpoch?: number; bestValLoss?: number } | null;
  registered: { version: string | null; promoted: boolean; reason: string } | null;
  errors: { at: string; code: string; message: string }[];
  created: string;
  updated: string;
}

export interface TrainingData {
  train: FeatureSet;
  validation: FeatureSet;
  /** Whatever else registration needs (pipeline, manifest, clips), passed through untouched. */
  context?: unknown;
}

export interface RegisteredVersion {
  version: string | null;
  promoted: boolean;
  reason: string;
}

export interface RetrainDeps {
  /** The models bucket: registry versions and jobs/. */
  models: ObjectStore;
  modelName: string;
  queue: Pick<RetrainQueue, 'publish'>;
  /** The labelled clips under `dataset` as feature sets (with the pipeline of `from`, or the seed's). */
  loadTrainingData(request: { dataset: string; from: string | null }): Promise<TrainingData>;
  /** Weights of the model to fine-tune from (null = train from scratch). */
  loadInitialWeights(from: string | null): Promise<Float32Array[] | undefined>;
  /** Quality gate + promotion; returns the registered version. */
  register(input: { trained: TrainedModel; jobId: string; request: JobStatus['request']; config: TrainingConfig; data: TrainingData }): Promise<RegisteredVersion>;
  /** The version a job registered already (a crash between registering and recording it), or null. */
  findRegistered(jobId: string): Promise<RegisteredVersion | null>;
  trainBudgetSec: number;
  /** Lease length; an invocation that dies holding it blocks the job at most this long. */
  leaseSec?: number;
  now?: () => number;
}

export class MalformedMessageError extends BuzzfinderError {
  constructor(message: string) {
    super('bad_message', message);
  }
}

/** Retry later (the platform redelivers): another invocation holds the job, or the message is early. */
export class JobBusyError extends Error {
  readonly code = 'job_busy';
}

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function parseRetrainMessage(value: unknown): RetrainMessage {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new MalformedMessageError('message must be a JSON object');
  const m = value as Record<string, unknown>;
  const known = new Set(['dataset', 'from', 'epochs', 'seed', 'jobId', 'step']);
  const unknown = Object.keys(m).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new MalformedMessageError(`unknown field(s): ${unknown.join(', ')}`);
  if (typeof m.dataset !== 'string' || m.dataset.length === 0 || m.dataset.startsWith('/') || m.dataset.split('/').includes('..')) {
    throw new MalformedMessageError('"dataset" must be a relative prefix of the datasets bucket');
  }
  const int = (k: string, min: number, max: number) => {
    if (m[k] === undefined) return undefined;
    if (typeof m[k] !== 'number' || !Number.isInteger(m[k]) || (m[k] as number) < min || (m[k] as number) > max) {
      throw new MalformedMessageError(`"${k}" must be an integer in [${min}, ${max}]`);
    }
    return m[k] as number;
  };
  if (m.from !== undefined && (typeof m.from !== 'string' || m.from.length === 0)) throw new MalformedMessageError('"from" must be a model version string');
  if (m.jobId !== undefined && (typeof m.jobId !== 'string' || !JOB_ID.test(m.jobId))) throw new MalformedMessageError('"jobId" must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}');
  const out: RetrainMessage = { dataset: m.dataset };
  if (m.from !== undefined) out.from = m.from as string;
  const epochs = int('epochs', 1, 1000);
  const seed = int('seed', -2147483648, 2147483647);
  const step = int('step', 0, 100000);
  if (epochs !== undefined) out.epochs = epochs;
  if (seed !== undefined) out.seed = seed;
  if (m.jobId !== undefined) out.jobId = m.jobId as string;
  if (step !== undefined) out.step = step;
  return out;
}

export function jobKeys(modelName: string, jobId: string) {
  const base = `models/${modelName}/jobs/${jobId}`;
  return { status: `${base}.json`, lock: `${base}.lock`, checkpoint: `${base}.ckpt` };
}

/** A job id from the first message's id, so its redelivery is the same job. */
export function jobIdForMessage(messageId: string): string {
  return `job-${messageId.replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 100);
}

export type RetrainOutcome = 'malformed' | 'stale' | 'finished-already' | 'continued' | 'succeeded' | 'failed' | 'lost-lease';

async function readStatus(store: ObjectStore, key: string): Promise<{ status: JobStatus; info: ObjectInfo } | null> {
  const info = await store.stat(key);
  if (!info) return null;
  return { status: await readJson<JobStatus>(store, key), info };
}

export function createRetrainHandler(deps: RetrainDeps): (event: MessagePublishedEvent) => Promise<RetrainOutcome> {
  const now = deps.now ?? Date.now;
  const leaseSec = deps.leaseSec ?? deps.trainBudgetSec + 180;

  return async (event) => {
    const started = now();
    let message: RetrainMessage;
    try {
      message = parseRetrainMessage(decodeMessageJson(event));
    } catch (err) {
      // Acknowledge: retrying a malformed message can never succeed.
      log('ERROR', 'retrain: malformed message, acknowledged', { messageId: event?.id, ...errorFields(err) });
      return 'malformed';
    }
    const jobId = message.jobId ?? jobIdForMessage(event.id);
    const step = message.step ?? 0;
    const keys = jobKeys(deps.modelName, jobId);
    const ctx = { jobId, step, messageId: event.id };
    const request: JobStatus['request'] = { dataset: message.dataset, from: message.from ?? null, epochs: message.epochs ?? null, seed: message.seed ?? null };
    const publishContinuation = (nextStep: number) => deps.queue.publish({ ...message, jobId, step: nextStep }, { jobId, step: String(nextStep) });

    // 1. Where is the job? Stale and finished messages are acknowledged; early ones retried.
    let current = await readStatus(deps.models, keys.status);
    // A crash between training's end and recording the registration: the last message finishes the job.
    const resumesRegistration = (s: JobStatus | undefined) => s?.state === 'registering' && step === s.step - 1;
    if (current) {
      const s = current.status;
      if (s.state === 'succeeded' || s.state === 'failed') {
        log('INFO', 'retrain: job already finished, acknowledged', { ...ctx, state: s.state });
        return 'finished-already';
      }
      if (step < s.step && !resumesRegistration(s)) {
        if (step === s.step - 1 && !s.continuationPublished) {
          // We crashed after advancing the step but before publishing: publish it now.
          await publishContinuation(s.step);
          await writeJson(deps.models, keys.status, { ...s, continuationPublished: true, updated: new Date(now()).toISOString() }, { ifGenerationMatch: current.info.generation }).catch(
            (err) => (err instanceof PreconditionFailedError ? undefined : Promise.reject(err)),
          );
          log('INFO', 'retrain: republished a lost continuation', { ...ctx, next: s.step });
        } else log('INFO', 'retrain: stale message, acknowledged', { ...ctx, jobStep: s.step });
        return 'stale';
      }
      if (step > s.step) throw new JobBusyError(`message step ${step} is ahead of job step ${s.step}`);
    } else if (step > 0) {
      throw new JobBusyError(`continuation step ${step} for a job without status`);
    }

    // 2. Take the lease (create-only, or take over an expired one with its generation).
    const owner = randomUUID();
    const acquired = await acquireLease(deps.models, keys.lock, { owner, step, now: now(), leaseSec });
    if (!acquired) throw new JobBusyError(`job ${jobId} is being worked on by another invocation`);
    // Renewed while this invocation works, so a step longer than the lease (a slow machine) is never taken over.
    const lease = keepLeaseAlive(deps.models, keys.lock, acquired.generation, { owner, step, leaseSec, now });
    try {
      // Re-read under the lease: another invocation may have advanced the job before we got it.
      current = await readStatus(deps.models, keys.status);
      if (current && !resumesRegistration(current.status) && (current.status.step !== step || current.status.state === 'succeeded' || current.status.state === 'failed')) {
        log('INFO', 'retrain: job moved on before the lease was taken, acknowledged', { ...ctx, jobStep: current.status.step });
        return 'stale';
      }
      const nowIso = () => new Date(now()).toISOString();
      let status: JobStatus = current?.status ?? {
        format: 'buzzfinder-retrain-job',
        version: 1,
        jobId,
        model: deps.modelName,
        state: 'running',
        step: 0,
        continuationPublished: false,
        request,
        epoch: 0,
        maxEpochs: message.epochs ?? null,
        metrics: null,
        registered: null,
        errors: [],
        created: nowIso(),
        updated: nowIso(),
      };
      let statusGeneration: string | number = current?.info.generation ?? 0;
      const saveStatus = async (next: JobStatus) => {
        const info = await writeJson(deps.models, keys.status, { ...next, updated: nowIso() }, { ifGenerationMatch: statusGeneration });
        statusGeneration = info.generation;
        status = next;
      };
      if (!current) await saveStatus(status);

      try {
        if (resumesRegistration(status)) {
          const found = await deps.findRegistered(jobId);
          if (found) {
            await saveStatus({ ...status, state: 'succeeded', registered: found });
            log('INFO', 'retrain: registration found after a crash; job finished', { ...ctx, registered: found });
            return 'succeeded';
          }
        }
        // 3. Train from the checkpoint (or from scratch / the `from` model) within the budget.
        const ckptInfo = await deps.models.stat(keys.checkpoint);
        const checkpoint: TrainingCheckpoint | null = ckptInfo ? await loadCheckpoint(deps.models, keys.checkpoint) : null;
        const data = await deps.loadTrainingData({ dataset: request.dataset, from: request.from });
        const initialWeights = checkpoint ? undefined : await deps.loadInitialWeights(request.from);
        await initTf();
        const session = await trainSession({
          train: data.train,
          validation: data.validation,
          config: { ...(message.epochs !== undefined ? { maxEpochs: message.epochs } : {}), ...(message.seed !== undefined ? { seed: message.seed } : {}), ...(request.from ? { from: request.from } : {}) },
          checkpoint: checkpoint ?? undefined,
          initialWeights,
          timeBudgetMs: deps.trainBudgetSec * 1000,
          now,
        });
        // 4. Still ours? Then the checkpoint, conditional on the generation we started from.
        if (!(await lease.held())) {
          session.result?.model.dispose();
          log('WARNING', 'retrain: lease lost during training; discarding this session', ctx);
          return 'lost-lease';
        }
        await saveCheckpoint(deps.models, keys.checkpoint, session.checkpoint, { ifGenerationMatch: ckptInfo?.generation ?? 0 });
        const last = session.checkpoint.history[session.checkpoint.history.length - 1];
        const metrics = {
          ...(last ? { loss: last.loss, acc: last.acc, valLoss: last.valLoss, valAcc: last.valAcc } : {}),
          ...(session.checkpoint.best ? { bestEpoch: session.checkpoint.best.epoch, bestValLoss: session.checkpoint.best.valLoss } : {}),
        } as JobStatus['metrics'];
        const progress = { epoch: session.checkpoint.epoch, maxEpochs: session.checkpoint.config.maxEpochs, metrics };

        if (!session.done || !session.result) {
          // 5a. Not done: advance the step, then publish the continuation.
          await saveStatus({ ...status, ...progress, state: 'running', step: step + 1, continuationPublished: false });
          await publishContinuation(step + 1);
          await saveStatus({ ...status, continuationPublished: true });
          log('INFO', 'retrain: budget used, continuation published', { ...ctx, epoch: progress.epoch, latencyMs: now() - started });
          return 'continued';
        }
        // 5b. Done: quality gate + registration, exactly once (the 'registering' state marks the attempt).
        if (!resumesRegistration(status)) await saveStatus({ ...status, ...progress, state: 'registering', step: step + 1, continuationPublished: true });
        if (!(await lease.held())) {
          session.result.model.dispose();
          log('WARNING', 'retrain: lease lost before registering; the next delivery of this step registers', ctx);
          return 'lost-lease';
        }
        let registered: JobStatus['registered'];
        try {
          registered = await deps.register({ trained: session.result, jobId, request, config: session.checkpoint.config, data });
        } finally {
          session.result.model.dispose();
        }
        await saveStatus({ ...status, state: 'succeeded', registered });
        log('INFO', 'retrain: job finished', { ...ctx, registered, epoch: progress.epoch, latencyMs: now() - started });
        return 'succeeded';
      } catch (err) {
        if (!(err instanceof BuzzfinderError || err instanceof TypeError)) throw err; // transient: retried
        // Bad data or a bad request can never succeed: record it and acknowledge.
        const code = err instanceof BuzzfinderError ? err.code : 'bad_request';
        await saveStatus({ ...status, state: 'failed', errors: [...status.errors, { at: nowIso(), code, message: err.message }] });
        log('ERROR', 'retrain: job failed', { ...ctx, code, error: err.message });
        return 'failed';
      }
    } finally {
      await lease.stop(); // after any renewal in flight, so the delete names the generation written last
      await deps.models.delete(keys.lock, { ifGenerationMatch: lease.generation() }).catch(() => undefined);
    }
  };
}

interface Lease {
  format: 'buzzfinder-job-lease';
  owner: string;
  step: number;
  expiresAt: string;
}

function leaseRecord(options: { owner: string; step: number; now: number; leaseSec: number }): Lease {
  return { format: 'buzzfinder-job-lease', owner: options.owner, step: options.step, expiresAt: new Date(options.now + options.leaseSec * 1000).toISOString() };
}

async function acquireLease(store: ObjectStore, key: string, options: { owner: string; step: number; now: number; leaseSec: number }): Promise<{ generation: string } | null> {
  const lease = leaseRecord(options);
  try {
    return { generation: (await writeJson(store, key, lease, { ifGenerationMatch: 0 })).generation };
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
  const info = await store.stat(key);
  if (!info) return null; // released in between: let the retry try again
  let held: Lease;
  try {
    held = await readJson<Lease>(store, key);
  } catch {
    return null;
  }
  if (Date.parse(held.expiresAt) > options.now) return null;
  try {
    return { generation: (await writeJson(store, key, lease, { ifGenerationMatch: info.generation })).generation };
  } catch (err) {
    if (err instanceof PreconditionFailedError) return null;
    throw err;
  }
}

/**
 * Renews a held lease every third of its length (compare-and-swap on the generation we wrote last) until stop().
 * held() is false once a renewal found the lease taken over or gone, or when the stored lease is not ours. stop() waits
 * for a renewal in flight, so the generation it leaves is the stored one.
 */
function keepLeaseAlive(store: ObjectStore, key: string, generation: string, options: { owner: string; step: number; leaseSec: number; now: () => number }) {
  let current = generation;
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    if (lost) return;
    try {
      current = (await writeJson(store, key, leaseRecord({ ...options, now: options.now() }), { ifGenerationMatch: current })).generation;
    } catch (err) {
      if (err instanceof PreconditionFailedError) lost = true;
      // Other errors (a transient storage failure): the next tick tries again; held() still checks the store.
    }
  };
  const timer = setInterval(() => {
    renewing = renewing.then(renew);
  }, (options.leaseSec * 1000) / 3);
  timer.unref?.();
  return {
    generation: () => current,
    held: async () => {
      await renewing;
      return !lost && (await store.stat(key))?.generation === current;
    },
    stop: async () => {
      clearInterval(timer);
      await renewing;
    },
  };
}
