/**
 * Everything a report says about one note that is measured on its own audio: the model clip, pitch, level and
 * timbre descriptors, and the clip levels behind the "not a note" verdict. A note's NoteWindow is the part of the
 * take its analysis reads (from the pitch's look-back before the onset to the end of its clip or segment), so the
 * analysis is one pure function of a small array: the report passes a view of its ring buffer.
 */
import { CLIP_SAMPLES, SAMPLE_RATE } from '../constants';
import { describeSegment } from '../features/descriptors';
import { ClipLevels, measureClipLevels } from '../no-note';
import { NOTE_PITCH_DEFAULTS, NotePitchEstimator } from '../pitch/note-pitch';
import { roundedPitch } from '../pitch/notes';
import { clipWindow, cutClip, OverlapPolicy, REPORT_PRE_ONSET_SAMPLES } from './clips';
import type { ReportNote } from './schema';

/** The note's own segment for level and pitch: onset to next onset, at most this long. */
const SEGMENT_MAX_SAMPLES = SAMPLE_RATE;
/** Pitch compares the note with what rang just before it: a window keeps this much before its onset. */
export const NOTE_LOOK_BACK_SAMPLES = Math.max(REPORT_PRE_ONSET_SAMPLES, Math.ceil(NOTE_PITCH_DEFAULTS.maxSec * SAMPLE_RATE) + 1);
const DESCRIPTOR_FRAME = 2048;
const DESCRIPTOR_SKIP = Math.round(NOTE_PITCH_DEFAULTS.skipSec * SAMPLE_RATE);

/** The take samples one note's analysis reads (take sample indices throughout). */
export interface NoteWindow {
  /** Take samples [start, start + samples.length). */
  samples: Float32Array;
  start: number;
  onset: number;
  nextOnset: number | null;
  /** The take's length once it is known to end inside this note's clip, else null. */
  takeLength: number | null;
}

/** Take samples [from, to) that the window of the note at `onset` holds (`to` capped by what has been read). */
export function noteWindowSpan(onset: number, available: { from: number; to: number }): { from: number; to: number } {
  const { end } = clipWindow(onset);
  return { from: Math.max(available.from, onset - NOTE_LOOK_BACK_SAMPLES), to: Math.min(available.to, Math.max(end, onset + SEGMENT_MAX_SAMPLES)) };
}

/** Whether the samples up to `received` cover everything the note at `onset` needs. */
export function noteWindowComplete(onset: number, received: number): boolean {
  return received >= Math.max(clipWindow(onset).end, onset + SEGMENT_MAX_SAMPLES);
}

export type NoteAnalysis = Pick<ReportNote, 'pitch' | 'rmsDb' | 'peakDb' | 'centroidHz' | 'flatness'> & {
  /** Frame levels of the clip's part inside the take (for the "not a note" verdict). */
  levels: ClipLevels;
};

/** x rounded to `digits` decimals: how report numbers are written. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Level and peak (dBFS) of a note's own segment, and spectral centroid (Hz) / flatness of the 2048 samples
 * (93 ms) after its attack transient (meyda descriptors; one frame keeps this cheap for every note).
 */
function describeNote(segment: Float32Array): Pick<ReportNote, 'rmsDb' | 'peakDb' | 'centroidHz' | 'flatness'> {
  let peak = 0;
  let sum = 0;
  for (let i = 0; i < segment.length; i++) {
    const v = segment[i];
    sum += v * v;
    if (Math.abs(v) > peak) peak = Math.abs(v);
  }
  const db = (v: number) => roundTo(Math.max(-120, 20 * Math.log10(Math.max(v, 1e-6))), 2);
  const rmsDb = db(segment.length ? Math.sqrt(sum / segment.length) : 0);
  const skip = Math.min(DESCRIPTOR_SKIP, Math.max(0, segment.length - DESCRIPTOR_FRAME));
  const head = segment.subarray(skip, Math.min(segment.length, skip + DESCRIPTOR_FRAME));
  if (head.length < DESCRIPTOR_FRAME) return { rmsDb, peakDb: db(peak), centroidHz: 0, flatness: 0 };
  const d = describeSegment(head, { frameSize: DESCRIPTOR_FRAME, hopSize: DESCRIPTOR_FRAME });
  return { rmsDb, peakDb: db(peak), centroidHz: roundTo(d.spectralCentroid.mean, 1), flatness: roundTo(d.spectralFlatness.mean, 4) };
}

/** Milliseconds spent on pitch and on the rest (clip, descriptors, levels), added to by analyzeNote. */
export interface NoteAnalysisTimings {
  pitch: number;
  clips: number;
}

export interface AnalyzeNoteOptions {
  overlap: OverlapPolicy;
  /** Holds reusable buffers (one per thread). */
  pitcher: NotePitchEstimator;
  timings?: NoteAnalysisTimings;
  now?: () => number;
  /** A CLIP_SAMPLES buffer the clip is cut into instead of a new one (cutClip's `into`). */
  clipInto?: Float32Array;
}

/** The model clip and the analysis of one note. */
export function analyzeNote(window: NoteWindow, options: AnalyzeNoteOptions): { clip: Float32Array; analysis: NoteAnalysis } {
  const { overlap, pitcher, timings, clipInto } = options;
  const now = options.now ?? (() => performance.now());
  const { samples, start, onset, nextOnset, takeLength } = window;
  const t0 = now();
  const clip = cutClip({ source: samples, sourceOffset: start, takeLength: takeLength ?? Infinity, onsetSample: onset, nextOnsetSample: nextOnset, overlap, into: clipInto });
  const segmentEnd = Math.max(onset, Math.min(start + samples.length, nextOnset ?? Infinity, onset + SEGMENT_MAX_SAMPLES));
  const t1 = now();
  const pitch = pitcher.estimate(samples, onset - start, segmentEnd - start).pitch;
  const t2 = now();
  const described = describeNote(samples.subarray(onset - start, segmentEnd - start));
  const clipStart = clipWindow(onset).start;
  const levels = measureClipLevels(clip, Math.max(0, -clipStart), takeLength !== null ? takeLength - clipStart : CLIP_SAMPLES);
  if (timings) {
    timings.clips += t1 - t0 + (now() - t2);
    timings.pitch += t2 - t1;
  }
  return { clip, analysis: { pitch: pitch ? roundedPitch(pitch.hz) : null, ...described, levels } };
}
