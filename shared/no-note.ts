/**
 * "Not a note": silence, stationary noise (no attack, no decay) and clips the model is not sure about are
 * answered as `no_note` instead of a confident wrong label. Pure: samples and probabilities in, verdict out.
 * Thresholds: NO_NOTE_THRESHOLDS in constants.ts (chosen on generated data, docs/cloud.md).
 */
import { ClassProbabilities, toPrediction } from './classifier';
import { NO_NOTE_FRAME_SAMPLES, NO_NOTE_THRESHOLDS } from './constants';

export const NO_NOTE_REASONS = ['silence', 'noise', 'low_confidence'] as const;
export type NoNoteReason = (typeof NO_NOTE_REASONS)[number];

/** What a report note / classify result carries when it is not a note. */
export interface NoNote {
  reason: NoNoteReason;
  /** Level of the loudest 46 ms of the clip, dB re full scale (-120 for digital silence). */
  levelDb: number;
}

export interface ClipLevels {
  /** Loudest frame, dBFS RMS. */
  levelDb: number;
  /** Loudest minus quietest frame, dB: an attack or a decay makes it large, stationary noise keeps it small. */
  rangeDb: number;
}

export type NoNoteThresholds = { silenceFloorDb: number; minLevelRangeDb: number; minConfidence: number };

const FLOOR_DB = -120;

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Frame levels of `samples[start, end)` (the clip's real audio: zero padding outside the file is left out,
 * so a short clip's padding does not count as a decay). A part shorter than a frame is one frame.
 */
export function measureClipLevels(samples: Float32Array, start = 0, end = samples.length): ClipLevels {
  const from = Math.max(0, Math.min(start, samples.length));
  const to = Math.max(from, Math.min(end, samples.length));
  let loudest = 0;
  let quietest = Infinity;
  for (let f = from; f < to; f += NO_NOTE_FRAME_SAMPLES) {
    const stop = Math.min(to, f + NO_NOTE_FRAME_SAMPLES);
    // A trailing partial frame shorter than half a frame is too noisy an estimate to set the minimum.
    if (stop - f < NO_NOTE_FRAME_SAMPLES / 2 && f > from) break;
    let sum = 0;
    for (let i = f; i < stop; i++) sum += samples[i] * samples[i];
    const power = sum / (stop - f);
    if (power > loudest) loudest = power;
    if (power < quietest) quietest = power;
  }
  const db = (p: number) => Math.max(FLOOR_DB, 10 * Math.log10(Math.max(p, 1e-12)));
  if (!Number.isFinite(quietest)) return { levelDb: FLOOR_DB, rangeDb: 0 };
  return { levelDb: round1(db(loudest)), rangeDb: round1(db(loudest) - db(quietest)) };
}

/** The verdict: null for a note, else why it is not one. Level checks come first (they do not need the model). */
export function assessNoNote(levels: ClipLevels, probabilities: ClassProbabilities | null, thresholds: NoNoteThresholds = NO_NOTE_THRESHOLDS): NoNote | null {
  const { levelDb, rangeDb } = levels;
  if (levelDb < thresholds.silenceFloorDb) return { reason: 'silence', levelDb };
  if (rangeDb < thresholds.minLevelRangeDb) return { reason: 'noise', levelDb };
  if (probabilities && toPrediction(probabilities).confidence < thresholds.minConfidence) return { reason: 'low_confidence', levelDb };
  return null;
}

/** The user-facing sentence for a verdict (HTTP message, CLI line). */
export function describeNoNote(noNote: NoNote): string {
  const level = `${noNote.levelDb.toFixed(1)} dBFS`;
  if (noNote.reason === 'silence') return `not a note: silence (loudest level ${level}, below ${NO_NOTE_THRESHOLDS.silenceFloorDb} dBFS)`;
  if (noNote.reason === 'noise') return `not a note: steady noise with no attack or decay (level ${level})`;
  return `not a note: the model is not confident about any class (below ${NO_NOTE_THRESHOLDS.minConfidence}; level ${level})`;
}

export function isNoNoteReason(v: unknown): v is NoNoteReason {
  return typeof v === 'string' && (NO_NOTE_REASONS as readonly string[]).includes(v);
}
