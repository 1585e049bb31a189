/**
 * The take report: for every note, when it was played, which note it was, and whether it rang clean,
 * buzzed or was muted. JSON, format "buzzfinder-report" version 2. `validateTakeReport` is the single
 * check used by tests, the CLI and the cloud function before a report is written anywhere.
 * Version 2 (the "not a note" outcome) adds `notes[].noNote` and `summary.noNote`; version 1 reports are still
 * read (`readTakeReport` upgrades them: no note of a v1 report is refused, so `summary.noNote` is 0).
 * `analysis.emptyReason` (optional, additive: still version 2) says why a report has no notes.
 */
import { BuzzfinderError } from '../errors';
import { CLASSES, CLIP_SECONDS, ToneClass, isToneClass } from '../constants';
import { ClassProbabilities, ModelIdentity } from '../classifier';
import type { NotePitch } from '../pitch/estimate';
import { isNoNoteReason, NO_NOTE_REASONS, NoNote } from '../no-note';

export const REPORT_FORMAT = 'buzzfinder-report';
export const REPORT_VERSION = 2;
/** Versions this reader accepts (older ones are upgraded by readTakeReport). */
export const READABLE_REPORT_VERSIONS = [1, 2] as const;

/** Why a report has no notes: the take is shorter than one analysis frame, it is silent, or no attack was found. */
export const EMPTY_REASONS = ['too_short', 'silent', 'no_onsets'] as const;
export type EmptyReason = (typeof EMPTY_REASONS)[number];

/** The words for an empty report's reason (CLI table, take page). */
export const EMPTY_REASON_TEXT: Record<EmptyReason, string> = {
  too_short: 'the take is too short to hold a note (under one 46 ms analysis frame)',
  silent: 'the take is silent (no part of it is louder than the silence floor)',
  no_onsets: 'no note attack was found (steady sound or noise, but nothing that starts like a plucked note)',
};

export interface ReportNote {
  index: number;
  /** Detected attack time, seconds from the start of the take. */
  onsetSec: number;
  /** The model's 2 s window [onset − 0.12, onset + 1.88] (REPORT_PRE_ONSET_SECONDS), clamped to the take (outside it the clip is zero-padded). */
  startSec: number;
  endSec: number;
  label: ToneClass;
  /** Probability of `label`. */
  confidence: number;
  probabilities: ClassProbabilities;
  pitch: NotePitch | null;
  /** Optional extras (never required by consumers). */
  /** Level of the note's own segment (onset to next onset, at most 1 s), dB re full scale. */
  rmsDb?: number;
  peakDb?: number;
  /** Detection-function value at the onset (mean dB rise per band): how clear the attack was. */
  onsetStrength?: number;
  /** Mean spectral centroid (Hz) and flatness (0 tonal .. 1 noise) of the note's segment (meyda). */
  centroidHz?: number;
  flatness?: number;
  /** Present when the onset is not a note (silence, steady noise, model not confident): the note keeps the
   *  model's argmax in label/probabilities but is counted in summary.noNote, not in clean/buzzy/muted. */
  noNote?: NoNote;
}

export interface ReportSummary {
  /** Every entry of `notes`, no_note ones included. */
  notes: number;
  clean: number;
  buzzy: number;
  muted: number;
  /** Entries with `noNote` (version 2; absent from version 1 reports). */
  noNote: number;
}

export interface TakeReport {
  format: typeof REPORT_FORMAT;
  version: (typeof READABLE_REPORT_VERSIONS)[number];
  source: string;
  /** The file's own sample rate (analysis runs at SAMPLE_RATE). */
  sampleRate: number;
  durationSec: number;
  model: ModelIdentity;
  notes: ReportNote[];
  summary: ReportSummary;
  /** Optional: how the report was made (detector, overlap policy, timings), and `emptyReason` when there are no notes. */
  analysis?: Record<string, unknown> & { emptyReason?: EmptyReason };
}

export class ReportValidationError extends BuzzfinderError {
  constructor(readonly path: string, problem: string) {
    super('invalid_report', `invalid take report at ${path}: ${problem}`);
  }
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : String(v);
}

function num(o: Obj, key: string, path: string, check?: { min?: number; max?: number; integer?: boolean }): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReportValidationError(`${path}.${key}`, `expected a finite number, got ${describe(v)}`);
  if (check?.integer && !Number.isInteger(v)) throw new ReportValidationError(`${path}.${key}`, `expected an integer, got ${v}`);
  if (check?.min !== undefined && v < check.min) throw new ReportValidationError(`${path}.${key}`, `expected >= ${check.min}, got ${v}`);
  if (check?.max !== undefined && v > check.max) throw new ReportValidationError(`${path}.${key}`, `expected <= ${check.max}, got ${v}`);
  return v;
}

function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw new ReportValidationError(`${path}.${key}`, `expected a non-empty string, got ${describe(v)}`);
  return v;
}

const TIME_SLACK = 1e-3; // reports round times to 0.1 ms

function validatePitch(v: unknown, path: string): void {
  if (v === null) return;
  if (!isObject(v)) throw new ReportValidationError(path, `expected {hz, midi, name} or null, got ${describe(v)}`);
  const hz = num(v, 'hz', path, { min: 1e-6 });
  const midi = num(v, 'midi', path, { integer: true, min: 0, max: 127 });
  const name = str(v, 'name', path);
  if (!/^[A-G]#?-?\d+$/.test(name)) throw new ReportValidationError(`${path}.name`, `expected a note name like "A2" or "C#4", got ${describe(name)}`);
  const nearest = Math.round(69 + 12 * Math.log2(hz / 440));
  if (nearest !== midi) throw new ReportValidationError(`${path}.midi`, `midi ${midi} does not match ${hz} Hz (nearest ${nearest})`);
}

function validateNoNote(v: unknown, path: string): void {
  if (!isObject(v)) throw new ReportValidationError(path, `expected {reason, levelDb}, got ${describe(v)}`);
  if (!isNoNoteReason(v.reason)) throw new ReportValidationError(`${path}.reason`, `expected one of ${NO_NOTE_REASONS.join(', ')}, got ${describe(v.reason)}`);
  num(v, 'levelDb', path, { min: -200, max: 20 });
}

function validateNote(v: unknown, i: number, durationSec: number, previousOnset: number, version: number): void {
  const path = `notes[${i}]`;
  if (!isObject(v)) throw new ReportValidationError(path, `expected an object, got ${describe(v)}`);
  const index = num(v, 'index', path, { integer: true });
  if (index !== i) throw new ReportValidationError(`${path}.index`, `expected ${i} (notes in order), got ${index}`);
  const onset = num(v, 'onsetSec', path, { min: 0, max: durationSec + TIME_SLACK });
  if (onset < previousOnset) throw new ReportValidationError(`${path}.onsetSec`, `notes must be in time order (${onset} < previous ${previousOnset})`);
  const start = num(v, 'startSec', path, { min: 0 });
  const end = num(v, 'endSec', path, { max: durationSec + TIME_SLACK });
  if (!(start <= onset + TIME_SLACK && onset <= end + TIME_SLACK)) throw new ReportValidationError(path, `expected startSec <= onsetSec <= endSec, got ${start}, ${onset}, ${end}`);
  if (end - start > CLIP_SECONDS + TIME_SLACK) throw new ReportValidationError(path, `clip window longer than ${CLIP_SECONDS} s (${start}–${end})`);
  const label = v.label;
  if (!isToneClass(label)) throw new ReportValidationError(`${path}.label`, `expected one of ${CLASSES.join(', ')}, got ${describe(label)}`);
  const probs = v.probabilities;
  if (!isObject(probs)) throw new ReportValidationError(`${path}.probabilities`, `expected an object, got ${describe(probs)}`);
  let sum = 0;
  for (const c of CLASSES) sum += num(probs, c, `${path}.probabilities`, { min: 0, max: 1 });
  const extra = Object.keys(probs).filter((k) => !isToneClass(k));
  if (extra.length) throw new ReportValidationError(`${path}.probabilities`, `unknown class ${describe(extra[0])}`);
  if (Math.abs(sum - 1) > 1e-3) throw new ReportValidationError(`${path}.probabilities`, `must sum to 1, got ${sum}`);
  const confidence = num(v, 'confidence', path, { min: 0, max: 1 });
  const p = probs as Record<ToneClass, number>;
  if (Math.abs(confidence - p[label]) > 1e-6) throw new ReportValidationError(`${path}.confidence`, `expected probabilities.${label} (${p[label]}), got ${confidence}`);
  for (const c of CLASSES) if (p[c] > p[label] + 1e-9) throw new ReportValidationError(`${path}.label`, `"${label}" is not the most probable class ("${c}" is)`);
  if (!('pitch' in v)) throw new ReportValidationError(`${path}.pitch`, 'missing (use null for an unpitched note)');
  validatePitch(v.pitch, `${path}.pitch`);
  for (const k of ['rmsDb', 'peakDb', 'onsetStrength', 'centroidHz', 'flatness']) if (k in v) num(v, k, path);
  if ('noNote' in v) {
    if (version < 2) throw new ReportValidationError(`${path}.noNote`, 'not part of a version 1 report');
    validateNoNote(v.noNote, `${path}.noNote`);
  }
}

/** Returns the value typed as a TakeReport, or throws ReportValidationError naming the first problem's path. */
export function validateTakeReport(value: unknown): TakeReport {
  if (!isObject(value)) throw new ReportValidationError('$', `expected an object, got ${describe(value)}`);
  if (value.format !== REPORT_FORMAT) throw new ReportValidationError('$.format', `expected "${REPORT_FORMAT}", got ${describe(value.format)}`);
  const version = value.version;
  if (!(READABLE_REPORT_VERSIONS as readonly unknown[]).includes(version)) {
    throw new ReportValidationError('$.version', `unsupported version ${describe(version)} (this reader knows ${READABLE_REPORT_VERSIONS.join(', ')})`);
  }
  str(value, 'source', '$');
  num(value, 'sampleRate', '$', { integer: true, min: 1 });
  const durationSec = num(value, 'durationSec', '$', { min: 0 });
  const model = value.model;
  if (!isObject(model)) throw new ReportValidationError('$.model', `expected {name, version}, got ${describe(model)}`);
  str(model, 'name', '$.model');
  str(model, 'version', '$.model');
  const notes = value.notes;
  if (!Array.isArray(notes)) throw new ReportValidationError('$.notes', `expected an array, got ${describe(notes)}`);
  let previous = 0;
  const counts: Record<ToneClass | 'noNote', number> = { buzzy: 0, clean: 0, muted: 0, noNote: 0 };
  notes.forEach((n, i) => {
    validateNote(n, i, durationSec, previous, version as number);
    previous = (n as Obj).onsetSec as number;
    counts['noNote' in (n as Obj) ? 'noNote' : ((n as Obj).label as ToneClass)]++;
  });
  const summary = value.summary;
  if (!isObject(summary)) throw new ReportValidationError('$.summary', `expected an object, got ${describe(summary)}`);
  const total = num(summary, 'notes', '$.summary', { integer: true, min: 0 });
  if (total !== notes.length) throw new ReportValidationError('$.summary.notes', `expected ${notes.length} (the number of notes), got ${total}`);
  for (const c of CLASSES) {
    const n = num(summary, c, '$.summary', { integer: true, min: 0 });
    if (n !== counts[c]) throw new ReportValidationError(`$.summary.${c}`, `expected ${counts[c]} (notes labelled ${c}, no_note ones excluded), got ${n}`);
  }
  if (version !== 1) {
    const n = num(summary, 'noNote', '$.summary', { integer: true, min: 0 });
    if (n !== counts.noNote) throw new ReportValidationError('$.summary.noNote', `expected ${counts.noNote} (notes with noNote), got ${n}`);
  }
  if (value.analysis !== undefined && !isObject(value.analysis)) throw new ReportValidationError('$.analysis', `expected an object, got ${describe(value.analysis)}`);
  const emptyReason = value.analysis?.emptyReason;
  if (emptyReason !== undefined) {
    if (!(EMPTY_REASONS as readonly unknown[]).includes(emptyReason)) throw new ReportValidationError('$.analysis.emptyReason', `expected one of ${EMPTY_REASONS.join(', ')}, got ${describe(emptyReason)}`);
    if (notes.length > 0) throw new ReportValidationError('$.analysis.emptyReason', `only for a report with no notes (this one has ${notes.length})`);
  }
  return value as unknown as TakeReport;
}

/** Validates a report of any readable version and returns it in the current version (v1: summary.noNote = 0). */
export function readTakeReport(value: unknown): TakeReport {
  const report = validateTakeReport(value);
  if (report.version === REPORT_VERSION) return report;
  return { ...report, version: REPORT_VERSION, summary: { ...report.summary, noNote: 0 } };
}
