/**
 * A classifier whose work runs in worker threads, so that a take report uses every core: the calling thread
 * decodes, resamples and finds onsets while the workers analyse (clip, pitch, descriptors: a NoteClassifier) and
 * classify earlier batches of notes (buildTakeReport's `inFlightBatches` keeps the queue bounded). Each worker loads
 * its own tfjs and model.
 * Works from the compiled JavaScript and from the TypeScript sources (tsx in the worker when this file is .ts,
 * e.g. under jest).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ClassProbabilities, ModelIdentity, probabilitiesFromVector } from '../shared/classifier';
import { CLASSES } from '../shared/constants';
import { BuzzfinderError } from '../shared/errors';
import type { OverlapPolicy } from '../shared/report/clips';
import { NotePitchEstimator } from '../shared/pitch/note-pitch';
import { analyzeNote, ClassifiedNote, NoteAnalysis, NoteClassifier, NoteWindow } from '../shared/report/note-analysis';

export interface ClassifierWorkerData {
  modelDir: string;
}

export type ClassifierWorkerRequest =
  | { kind: 'clips'; id: number; clips: Float32Array[] }
  | { kind: 'notes'; id: number; windows: NoteWindow[]; overlap: OverlapPolicy };

export type ClassifierWorkerReply =
  | { type: 'ready'; identity: ModelIdentity }
  | { type: 'failed'; error: { code: string; message: string } }
  | { type: 'result'; id: number; probabilities: Float32Array; analyses?: NoteAnalysis[]; analysisMs: number; featuresMs: number; modelMs: number }
  | { type: 'error'; id: number; error: { code: string; message: string } };

type ResultReply = Extract<ClassifierWorkerReply, { type: 'result' }>;

/** Milliseconds the workers spent, summed over batches. */
export interface WorkerStats {
  batches: number;
  clips: number;
  /** Note analysis (clip cutting, pitch, descriptors, levels) of classifyNotes batches, in the workers. */
  analysisMs: number;
  /** classifyNotes batches analysed in the calling thread because every worker was busy, and its milliseconds. */
  batchesAnalysedHere: number;
  analysisHereMs: number;
  featuresMs: number;
  modelMs: number;
}

class ClassifierWorkerError extends BuzzfinderError {}

interface Pending {
  n: number;
  resolve: (reply: ResultReply) => void;
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

/** Worker threads worth starting for classification on this machine (BUZZFINDER_REPORT_WORKERS overrides). */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

export class WorkerClassifier implements NoteClassifier {
  readonly identity: ModelIdentity;
  /** Resolves when every worker has loaded the model; rejects with the model's error (bad_model, ...). */
  readonly ready: Promise<void>;
  readonly stats: WorkerStats = { batches: 0, clips: 0, analysisMs: 0, batchesAnalysedHere: 0, analysisHereMs: 0, featuresMs: 0, modelMs: 0 };
  /** For notes analysed in the calling thread (created on first use). */
  private pitcher: NotePitchEstimator | null = null;
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private failure: Error | null = null;

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

  classifyClips(clips: Float32Array[]): Promise<ClassProbabilities[]> {
    if (!Array.isArray(clips)) return Promise.reject(new TypeError('classifyClips: clips must be an array of Float32Array'));
    if (clips.length === 0) return Promise.resolve([]);
    return this.dispatch({ kind: 'clips', id: this.nextId++, clips }, clips).then((reply) => this.probabilitiesOf(reply, clips.length));
  }

  /**
   * Clips, pitch, descriptors and probabilities of the notes. The analysis runs in a worker when one is idle, else
   * here: then the workers are the slower side of the report (e.g. a large network), and this thread would only
   * wait for them. Results are the same either way.
   */
  classifyNotes(windows: NoteWindow[], overlap: OverlapPolicy): Promise<ClassifiedNote[]> {
    if (!Array.isArray(windows)) return Promise.reject(new TypeError('classifyNotes: windows must be an array of NoteWindow'));
    if (windows.length === 0) return Promise.resolve([]);
    if (this.slots.length > 0 && this.slots.every((s) => s.pending.size > 0)) {
      const t0 = performance.now();
      this.pitcher ??= new NotePitchEstimator();
      const analysed = windows.map((w) => analyzeNote(w, overlap, this.pitcher!));
      this.stats.batchesAnalysedHere++;
      this.stats.analysisHereMs += performance.now() - t0;
      return this.classifyClips(analysed.map((a) => a.clip)).then((probabilities) => analysed.map((a, i) => ({ analysis: a.analysis, probabilities: probabilities[i] })));
    }
    return this.dispatch({ kind: 'notes', id: this.nextId++, windows, overlap }, windows.map((w) => w.samples)).then((reply) => {
      const probabilities = this.probabilitiesOf(reply, windows.length);
      if (reply.analyses?.length !== windows.length) throw new ClassifierWorkerError('classifier_failed', `worker returned no analysis for ${windows.length} notes`);
      return reply.analyses.map((analysis, i) => ({ analysis, probabilities: probabilities[i] }));
    });
  }

  /** Sends a request to the least busy worker; arrays that own their whole buffer are moved, not copied. */
  private dispatch(request: ClassifierWorkerRequest, arrays: Float32Array[]): Promise<ResultReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.slots.length === 0) return Promise.reject(new ClassifierWorkerError('classifier_failed', 'WorkerClassifier is closed'));
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const transfer = arrays.filter((c) => c.byteOffset === 0 && c.byteLength === c.buffer.byteLength).map((c) => c.buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      slot.pending.set(request.id, { n: arrays.length, resolve, reject });
      slot.worker.postMessage(request, new Set(transfer).size === transfer.length ? transfer : []);
    });
  }

  private probabilitiesOf(reply: ResultReply, n: number): ClassProbabilities[] {
    const k = CLASSES.length;
    return Array.from({ length: n }, (_, i) => probabilitiesFromVector(reply.probabilities.subarray(i * k, (i + 1) * k)));
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
    this.stats.batches++;
    this.stats.clips += pending.n;
    this.stats.analysisMs += reply.analysisMs;
    this.stats.featuresMs += reply.featuresMs;
    this.stats.modelMs += reply.modelMs;
    pending.resolve(reply);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const slot of this.slots) {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    }
  }
}
