/**
 * A ClipClassifier whose features and network run in worker threads, so that a take report uses every core:
 * the calling thread decodes, resamples and finds onsets while the workers classify earlier batches
 * (buildTakeReport's `inFlightBatches` keeps the queue bounded). Each worker loads its own tfjs and model.
 * Works from the compiled JavaScript and from the TypeScript sources (tsx in the worker when this file is .ts,
 * e.g. under jest).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ClassProbabilities, ClipClassifier, ModelIdentity, probabilitiesFromVector } from '../shared/classifier';
import { CLASSES, CLIP_SAMPLES } from '../shared/constants';
import { BuzzfinderError } from '../shared/errors';
import type { ClipPlacement } from '../shared/features/pipeline';

export interface ClassifierWorkerData {
  modelDir: string;
}

export interface ClassifierWorkerRequest {
  id: number;
  clips: Float32Array[];
  placement?: ClipPlacement;
}

export type ClassifierWorkerReply =
  | { type: 'ready'; identity: ModelIdentity }
  | { type: 'failed'; error: { code: string; message: string } }
  | { type: 'result'; id: number; probabilities: Float32Array; spare: Float32Array[]; featuresMs: number; modelMs: number }
  | { type: 'error'; id: number; error: { code: string; message: string } };

/** Milliseconds the workers spent, summed over batches. */
export interface WorkerStats {
  batches: number;
  clips: number;
  featuresMs: number;
  modelMs: number;
}

class ClassifierWorkerError extends BuzzfinderError {}

interface Pending {
  n: number;
  resolve: (p: ClassProbabilities[]) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** The worker entry, as code for `new Worker(code, { eval: true })`: compiled .js, or .ts through tsx. */
function workerCode(): string {
  const fromSource = __filename.endsWith('.ts');
  const entry = path.join(__dirname, `classifier-worker${fromSource ? '.ts' : '.js'}`);
  const loader = fromSource ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});\n` : '';
  return `${loader}require(${JSON.stringify(entry)});\n`;
}

/** The identity in a model folder's metadata.json, read without loading tfjs (the workers validate the model). */
function readIdentity(modelDir: string): ModelIdentity {
  let meta: { name?: unknown; version?: unknown };
  try {
    meta = JSON.parse(fs.readFileSync(path.join(modelDir, 'metadata.json'), 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ClassifierWorkerError(missing ? 'model_not_found' : 'bad_model', `${modelDir}: ${missing ? 'no metadata.json' : (err as Error).message}`);
  }
  if (typeof meta?.name !== 'string' || typeof meta?.version !== 'string') throw new ClassifierWorkerError('bad_model', `${modelDir}/metadata.json: name and version must be strings`);
  return { name: meta.name, version: meta.version };
}

/** Whether `clip` is its buffer's only view, so that the buffer can be moved to another thread. */
export function ownsBuffer(clip: Float32Array): boolean {
  return clip.byteOffset === 0 && clip.byteLength === clip.buffer.byteLength;
}

/** Returned clip buffers kept for reuse: more than the report ever has in flight (inFlightBatches x 32). */
const MAX_SPARE_CLIPS = 512;

/** Worker threads worth starting for classification on this machine (BUZZFINDER_REPORT_WORKERS overrides). */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

export class WorkerClassifier implements ClipClassifier {
  readonly identity: ModelIdentity;
  /** Resolves when every worker has loaded the model; rejects with the model's error (bad_model, ...). */
  readonly ready: Promise<void>;
  readonly stats: WorkerStats = { batches: 0, clips: 0, featuresMs: 0, modelMs: 0 };
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private failure: Error | null = null;
  private readonly spare: Float32Array[] = [];

  /** Starts `workers` threads at once (they load tfjs and the model while the caller reads the take). */
  constructor(modelDir: string, workers = defaultWorkerCount()) {
    if (!Number.isInteger(workers) || workers < 1) throw new TypeError(`WorkerClassifier: workers must be a positive integer, got ${workers}`);
    this.identity = readIdentity(modelDir);
    const code = workerCode();
    const readies: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(code, { eval: true, workerData: { modelDir } satisfies ClassifierWorkerData });
      const slot: Slot = { worker, pending: new Map() };
      this.slots.push(slot);
      readies.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (reply: ClassifierWorkerReply) => {
            if (reply.type === 'ready') resolve();
            else if (reply.type === 'failed') {
              const err = new ClassifierWorkerError(reply.error.code, reply.error.message);
              reject(err);
              this.fail(err);
            } else this.settle(slot, reply);
          });
          worker.on('error', (err) => {
            reject(err);
            this.fail(err);
          });
          worker.on('exit', (code) => {
            const err = new ClassifierWorkerError('classifier_failed', `classifier worker exited (code ${code})`);
            reject(err);
            // This worker takes no more batches, and its outstanding ones can no longer be answered.
            const at = this.slots.indexOf(slot);
            if (at >= 0) this.slots.splice(at, 1);
            for (const p of slot.pending.values()) p.reject(err);
            slot.pending.clear();
          });
        }),
      );
    }
    this.ready = Promise.all(readies).then(() => undefined);
    this.ready.catch(() => undefined); // surfaced through classifyClips or by awaiting `ready`
  }

  classifyClips(clips: Float32Array[], placement?: ClipPlacement): Promise<ClassProbabilities[]> {
    if (!Array.isArray(clips)) return Promise.reject(new TypeError('classifyClips: clips must be an array of Float32Array'));
    if (clips.length === 0) return Promise.resolve([]);
    if (this.failure) return Promise.reject(this.failure);
    if (this.slots.length === 0) return Promise.reject(new ClassifierWorkerError('classifier_failed', 'WorkerClassifier is closed'));
    // The least busy worker; clips that own their whole buffer are moved, not copied.
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const transfer = clips.filter(ownsBuffer).map((c) => c.buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { n: clips.length, resolve, reject });
      slot.worker.postMessage({ id, clips, placement } satisfies ClassifierWorkerRequest, new Set(transfer).size === transfer.length ? transfer : []);
    });
  }

  reusableClip(): Float32Array | undefined {
    return this.spare.pop();
  }

  /** Terminates the workers; outstanding batches are rejected. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private settle(slot: Slot, reply: Extract<ClassifierWorkerReply, { id: number }>): void {
    const pending = slot.pending.get(reply.id);
    if (!pending) return;
    slot.pending.delete(reply.id);
    if (reply.type === 'error') {
      pending.reject(new ClassifierWorkerError(reply.error.code, reply.error.message));
      return;
    }
    for (const clip of reply.spare) if (clip.length === CLIP_SAMPLES && this.spare.length < MAX_SPARE_CLIPS) this.spare.push(clip);
    this.stats.batches++;
    this.stats.clips += pending.n;
    this.stats.featuresMs += reply.featuresMs;
    this.stats.modelMs += reply.modelMs;
    const k = CLASSES.length;
    pending.resolve(Array.from({ length: pending.n }, (_, i) => probabilitiesFromVector(reply.probabilities.subarray(i * k, (i + 1) * k))));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const slot of this.slots) {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    }
  }
}
