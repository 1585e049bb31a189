/**
 * Take → report: onsets (streaming tracker), then each note analysed on its window of the take (note-analysis.ts:
 * model clip with the overlap policy, pitch, descriptors), the clips classified in batches, then the summary. Audio
 * comes in consecutive chunks at SAMPLE_RATE, so memory is bounded for takes of any length: only a ring buffer of
 * recent samples (detector latency ≈ 20 s + one clip) and the current batches of clips are held. An in-memory
 * signal is fed through the same path.
 */
import { ClassProbabilities, ClipClassifier, toPrediction } from '../classifier';
import { CLASSES, CLIP_SAMPLES, NO_NOTE_THRESHOLDS, SAMPLE_RATE } from '../constants';
import { BuzzfinderError } from '../errors';
import { DetectOnsetsOptions, createOnsetTracker, resolveDetectOptions } from '../onsets/detect';
import { TrackedOnset } from '../onsets/tracker';
import { NotePitchEstimator } from '../pitch/note-pitch';
import { DEFAULT_OVERLAP_POLICY, OverlapPolicy, clipTakeOffset, clipWindow, isOverlapPolicy, OVERLAP_POLICIES } from './clips';
import { analyzeNote, NOTE_LOOK_BACK_SAMPLES, NoteAnalysis, noteWindowComplete, noteWindowSpan, roundTo } from './note-analysis';
import { EmptyReason, REPORT_FORMAT, REPORT_VERSION, ReportNote, ReportSummary, TakeReport } from './schema';
import { assessNoNote, measureClipLevels } from '../no-note';

/** Decoded audio held in memory (shared/audio/load.ts LoadedAudio). */
export interface InMemoryAudio {
  sampleRate: number;
  durationSec: number;
  samples: Float32Array;
}

/**
 * Streamed audio (shared/audio/stream.ts WavStream): chunks are consecutive mono samples at SAMPLE_RATE. Each is
 * copied before the next is requested, so a stream may reuse one buffer (WavStreamOptions.reuseChunks).
 */
export interface StreamedAudio {
  sampleRate: number;
  durationSec: number;
  chunks(): AsyncIterable<Float32Array>;
}

export interface ReportProgress {
  /** Seconds of audio analysed so far, and the take's duration. */
  processedSec: number;
  totalSec: number;
  notes: number;
}

/** Milliseconds spent per stage (filled in when passed to buildTakeReport). */
export interface ReportTimings {
  onsets: number;
  pitch: number;
  clips: number;
  classify: number;
  total: number;
}

export interface BuildTakeReportOptions {
  source: string;
  audio: InMemoryAudio | StreamedAudio;
  classifier: ClipClassifier;
  onProgress?: (progress: ReportProgress) => void;
  /** What a clip holds after the next note's onset (clips.ts). */
  overlap?: OverlapPolicy;
  /** Clips per classifier call. */
  batchSize?: number;
  /**
   * Classifier calls left running while the take is read further (a bounded queue: memory stays bounded).
   * A classifier that works elsewhere (worker threads) then overlaps with decoding and onset detection;
   * results are still applied in order. Default 1.
   */
  inFlightBatches?: number;
  detector?: DetectOnsetsOptions;
  timings?: ReportTimings;
  /** Milliseconds clock for `timings` (default performance.now; benchmarks pass a CPU-time clock). */
  clock?: () => number;
}

/**
 * Clips per classifier call. 32 rather than 64: a batch's network activations (the first conv's output alone is
 * 8.5 MB at 32 clips) are fresh memory in each worker, and on these VMs touching fresh memory costs more than the
 * per-call overhead saved by a larger batch (cold 10-minute report: ≈ 0.1 s less wall time, 50 MB less RSS; 16 was
 * no faster again; docs/speed.md).
 */
export const REPORT_BATCH_SIZE = 32;
const IN_MEMORY_CHUNK = SAMPLE_RATE * 10;

interface PendingNote {
  onset: TrackedOnset;
  sample: number;
}

/** A note analysed and waiting for its batch's classification. */
interface ReadyNote {
  note: Omit<ReportNote, 'label' | 'confidence' | 'probabilities'>;
  clip: Float32Array;
  /** Where the clip lies in the take (clipTakeOffset): lets a batch share the frames its clips overlap on. */
  takeOffset: number | null;
  /** Frame levels of the clip's part inside the take (for the "not a note" verdict). */
  levels: NoteAnalysis['levels'];
}

function isStreamed(audio: unknown): audio is StreamedAudio {
  return typeof audio === 'object' && audio !== null && typeof (audio as StreamedAudio).chunks === 'function';
}

export class ReportBuildError extends BuzzfinderError {}

/** Builds the report of one take; see the module comment. The report passes validateTakeReport. */
export async function buildTakeReport(options: BuildTakeReportOptions): Promise<TakeReport> {
  const { source, audio, classifier } = options;
  if (typeof source !== 'string' || source.length === 0) throw new TypeError('buildTakeReport: source must be a non-empty string');
  if (!classifier || typeof classifier.classifyClips !== 'function') throw new TypeError('buildTakeReport: classifier must implement ClipClassifier');
  if (!audio || typeof audio !== 'object') throw new TypeError('buildTakeReport: audio is required');
  if (!(Number.isInteger(audio.sampleRate) && audio.sampleRate > 0)) throw new TypeError(`buildTakeReport: audio.sampleRate must be a positive integer, got ${audio.sampleRate}`);
  const overlap = options.overlap ?? DEFAULT_OVERLAP_POLICY;
  if (!isOverlapPolicy(overlap)) throw new TypeError(`buildTakeReport: overlap must be one of ${OVERLAP_POLICIES.join(', ')}`);
  const batchSize = options.batchSize ?? REPORT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`buildTakeReport: batchSize must be a positive integer, got ${batchSize}`);
  const inFlightBatches = options.inFlightBatches ?? 1;
  if (!Number.isInteger(inFlightBatches) || inFlightBatches < 1) throw new TypeError(`buildTakeReport: inFlightBatches must be a positive integer, got ${inFlightBatches}`);
  const timings: ReportTimings = options.timings ?? { onsets: 0, pitch: 0, clips: 0, classify: 0, total: 0 };
  const now = options.clock ?? (() => performance.now());
  const started = now();

  const detectorOptions = resolveDetectOptions(options.detector);
  const tracker = createOnsetTracker(options.detector);
  const pitcher = new NotePitchEstimator();

  // Ring buffer: take samples [bufStart, bufStart + bufLen).
  let buf = new Float32Array(SAMPLE_RATE * 30);
  let bufStart = 0;
  let bufLen = 0;
  let received = 0;
  // Loudest 46 ms of the take (dBFS RMS), for an empty report's reason.
  let loudestDb = -Infinity;
  let finished = false;
  const pending: PendingNote[] = [];
  let ready: ReadyNote[] = [];
  const notes: ReportNote[] = [];
  let noteIndex = 0;

  const append = (chunk: Float32Array) => {
    if (bufLen + chunk.length > buf.length) {
      const grown = new Float32Array(Math.max(buf.length * 2, bufLen + chunk.length));
      grown.set(buf.subarray(0, bufLen));
      buf = grown;
    }
    buf.set(chunk, bufLen);
    bufLen += chunk.length;
    received += chunk.length;
  };

  /** Turns pending onsets whose window is complete (and whose successor is known) into ready notes. */
  const settle = () => {
    const confirmed = tracker.confirmedUntilSample;
    while (pending.length > 0) {
      const cur = pending[0];
      const next = pending.length > 1 ? pending[1] : null;
      if (!finished && (!noteWindowComplete(cur.sample, received) || (!next && !noteWindowComplete(cur.sample, confirmed)))) break;
      const span = noteWindowSpan(cur.sample, { from: bufStart, to: received });
      // A view of the ring buffer: the note is analysed now, before the buffer moves.
      const window = { samples: buf.subarray(span.from - bufStart, span.to - bufStart), start: span.from, onset: cur.sample, nextOnset: next ? next.sample : null, takeLength: finished ? received : null };
      const { clip, analysis } = analyzeNote(window, { overlap, pitcher, timings, now, clipInto: classifier.reusableClip?.() });
      const { levels, ...measured } = analysis;
      const w = clipWindow(cur.sample);
      ready.push({
        note: {
          index: noteIndex++,
          onsetSec: roundTo(cur.sample / SAMPLE_RATE, 6),
          startSec: roundTo(Math.max(0, w.start) / SAMPLE_RATE, 6),
          endSec: roundTo(Math.min(finished ? received : w.end, w.end) / SAMPLE_RATE, 6),
          ...measured,
          onsetStrength: roundTo(cur.onset.strength, 2),
        },
        clip,
        takeOffset: clipTakeOffset(cur.sample, overlap),
        levels,
      });
      pending.shift();
    }
    // Keep only samples a pending or future note can still need.
    const earliestFuture = Number.isFinite(confirmed) ? confirmed - NOTE_LOOK_BACK_SAMPLES : received;
    const keepFrom = Math.max(0, Math.min(pending.length ? pending[0].sample - NOTE_LOOK_BACK_SAMPLES : Infinity, earliestFuture));
    const drop = Math.min(bufLen, keepFrom - bufStart);
    if (drop > 0) {
      buf.copyWithin(0, drop, bufLen);
      bufLen -= drop;
      bufStart += drop;
    }
  };

  /** Batches handed to the classifier, oldest first; their results are applied in this order. */
  const inFlight: { batch: ReadyNote[]; result: Promise<ClassProbabilities[]> }[] = [];

  const applyOldest = async () => {
    const { batch, result } = inFlight.shift()!;
    const t0 = now();
    const probabilities = await result;
    timings.classify += now() - t0;
    if (!Array.isArray(probabilities) || probabilities.length !== batch.length) {
      throw new ReportBuildError('classifier_failed', `classifier returned ${Array.isArray(probabilities) ? probabilities.length : 'no'} results for ${batch.length} clips`);
    }
    batch.forEach((r, i) => {
      const p = probabilities[i];
      for (const c of CLASSES) {
        if (!(typeof p?.[c] === 'number' && Number.isFinite(p[c]))) throw new ReportBuildError('classifier_failed', `classifier returned a non-finite probability for ${c}`);
      }
      const rounded = Object.fromEntries(CLASSES.map((c) => [c, roundTo(p[c], 6)])) as ClassProbabilities;
      const pred = toPrediction(rounded);
      const noNote = assessNoNote(r.levels, rounded);
      notes.push({ ...r.note, label: pred.label, confidence: pred.confidence, probabilities: rounded, ...(noNote ? { noNote } : {}) } as ReportNote);
    });
  };

  const classifyReady = async (all: boolean) => {
    while (ready.length >= batchSize || (all && ready.length > 0)) {
      const batch = ready.slice(0, batchSize);
      ready = ready.slice(batch.length);
      const t0 = now();
      const result = classifier.classifyClips(batch.map((r) => r.clip), { takeOffsets: batch.map((r) => r.takeOffset) });
      timings.classify += now() - t0;
      // Awaited in order by applyOldest; this only keeps a failure from counting as unhandled meanwhile.
      result.catch(() => undefined);
      inFlight.push({ batch, result });
      while (inFlight.length > inFlightBatches) await applyOldest();
    }
    if (all) while (inFlight.length > 0) await applyOldest();
  };

  const consume = async (chunk: Float32Array) => {
    if (!(chunk instanceof Float32Array)) throw new TypeError('buildTakeReport: audio chunks must be Float32Array');
    append(chunk);
    loudestDb = Math.max(loudestDb, measureClipLevels(chunk).levelDb);
    const t0 = now();
    const found = tracker.push(chunk);
    timings.onsets += now() - t0;
    for (const o of found) pending.push({ onset: o, sample: Math.round(o.timeSec * SAMPLE_RATE) });
    settle();
    await classifyReady(false);
    options.onProgress?.({ processedSec: received / SAMPLE_RATE, totalSec: audio.durationSec, notes: noteIndex });
  };

  if (isStreamed(audio)) {
    for await (const chunk of audio.chunks()) await consume(chunk);
  } else {
    const samples = (audio as InMemoryAudio).samples;
    if (!(samples instanceof Float32Array)) throw new TypeError('buildTakeReport: audio.samples must be a Float32Array (mono at SAMPLE_RATE)');
    for (let i = 0; i < samples.length; i += IN_MEMORY_CHUNK) await consume(samples.subarray(i, Math.min(samples.length, i + IN_MEMORY_CHUNK)));
  }
  const t0 = now();
  const last = tracker.finish();
  timings.onsets += now() - t0;
  for (const o of last) pending.push({ onset: o, sample: Math.round(o.timeSec * SAMPLE_RATE) });
  finished = true;
  settle();
  await classifyReady(true);
  options.onProgress?.({ processedSec: received / SAMPLE_RATE, totalSec: audio.durationSec, notes: noteIndex });
  timings.total = now() - started;

  const summary: ReportSummary = { notes: notes.length, clean: 0, buzzy: 0, muted: 0, noNote: 0 };
  for (const n of notes) summary[n.noNote ? 'noNote' : n.label]++;
  // A take with no notes says why (shorter than one analysis frame, nothing above the silence floor, or no attack).
  let emptyReason: EmptyReason | undefined;
  if (notes.length === 0) {
    if (received < detectorOptions.frameSize) emptyReason = 'too_short';
    else if (loudestDb < NO_NOTE_THRESHOLDS.silenceFloorDb) emptyReason = 'silent';
    else emptyReason = 'no_onsets';
  }
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    source,
    sampleRate: audio.sampleRate,
    durationSec: roundTo(Number.isFinite(audio.durationSec) && audio.durationSec > 0 ? audio.durationSec : received / SAMPLE_RATE, 4),
    model: { name: classifier.identity.name, version: classifier.identity.version },
    notes,
    summary,
    analysis: {
      onsetDetector: 'log-superflux-v1',
      hopSec: roundTo(detectorOptions.hopLength / SAMPLE_RATE, 5),
      overlapPolicy: overlap,
      clipSamples: CLIP_SAMPLES,
      analysisSampleRate: SAMPLE_RATE,
      ...(emptyReason ? { emptyReason } : {}),
    },
  };
}
