/**
 * A listener's labels for the notes of one take report: JSON, format "buzzfinder-corrections" version 1.
 * Stored as its own object next to the report (the report is never rewritten). Each entry is a label a person
 * gave a note (a change of the model's label, or a confirmation of it: `was` === `label`); only these notes
 * become training data, the model's own guesses never do.
 */
import { CLASSES, isToneClass, ToneClass } from '../constants';
import { BuzzfinderError } from '../errors';
import type { LabelRow } from '../dataset/import';
import type { TakeReport } from './schema';

export const CORRECTIONS_FORMAT = 'buzzfinder-corrections';
export const CORRECTIONS_VERSION = 1;

export interface NoteCorrection {
  /** The note's index in the report. */
  index: number;
  /** Copied from the report so the labels stay usable without it (`onset_sec,label,midi`). */
  onsetSec: number;
  label: ToneClass;
  /** The model's label in the report. */
  was: ToneClass;
  midi: number | null;
}

export interface TakeCorrections {
  format: typeof CORRECTIONS_FORMAT;
  version: typeof CORRECTIONS_VERSION;
  /** The report's `source` and the key it was read from (which report these labels belong to). */
  source: string;
  report: string;
  updated: string;
  /** Sorted by index, at most one per note. */
  labels: NoteCorrection[];
}

/**
 * A take's name as a file and path stem: its last path part without `.wav`, runs of anything but letters, digits,
 * `.`, `_`, `-` as one `-` (at most 60 characters). Names the exported files, the corrections dataset and its job.
 */
export function fileStem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const s = base.replace(/\.wav$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').replace(/-+$/, '').slice(0, 60);
  return s || 'take';
}

export class CorrectionsError extends BuzzfinderError {
  constructor(message: string) {
    super('invalid_corrections', message);
  }
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the shape (and, given the report, that every label names one of its notes); returns it typed. */
export function validateCorrections(value: unknown, report?: TakeReport): TakeCorrections {
  if (!isObject(value)) throw new CorrectionsError('corrections: expected an object');
  if (value.format !== CORRECTIONS_FORMAT) throw new CorrectionsError(`corrections.format: expected "${CORRECTIONS_FORMAT}", got ${JSON.stringify(value.format)}`);
  if (value.version !== CORRECTIONS_VERSION) throw new CorrectionsError(`corrections.version: unsupported ${JSON.stringify(value.version)} (this reader knows ${CORRECTIONS_VERSION})`);
  for (const k of ['source', 'report', 'updated'] as const) {
    if (typeof value[k] !== 'string' || !(value[k] as string)) throw new CorrectionsError(`corrections.${k}: expected a non-empty string`);
  }
  if (!Array.isArray(value.labels)) throw new CorrectionsError('corrections.labels: expected an array');
  let previous = -1;
  value.labels.forEach((l: unknown, i) => {
    const at = `corrections.labels[${i}]`;
    if (!isObject(l)) throw new CorrectionsError(`${at}: expected an object`);
    if (!Number.isInteger(l.index) || (l.index as number) <= previous) throw new CorrectionsError(`${at}.index: expected an integer above ${previous} (sorted, one per note)`);
    previous = l.index as number;
    if (typeof l.onsetSec !== 'number' || !Number.isFinite(l.onsetSec) || l.onsetSec < 0) throw new CorrectionsError(`${at}.onsetSec: expected a number >= 0`);
    if (!isToneClass(l.label)) throw new CorrectionsError(`${at}.label: expected one of ${CLASSES.join(', ')}, got ${JSON.stringify(l.label)}`);
    if (!isToneClass(l.was)) throw new CorrectionsError(`${at}.was: expected one of ${CLASSES.join(', ')}, got ${JSON.stringify(l.was)}`);
    if (l.midi !== null && !(Number.isInteger(l.midi) && (l.midi as number) >= 0 && (l.midi as number) <= 127)) throw new CorrectionsError(`${at}.midi: expected an integer 0..127 or null`);
    if (report) {
      const note = report.notes[l.index as number];
      if (!note) throw new CorrectionsError(`${at}.index: the report has no note ${l.index}`);
      if (Math.abs(note.onsetSec - l.onsetSec) > 1e-6 || note.label !== l.was) throw new CorrectionsError(`${at}: does not match note ${l.index} of the report`);
    }
  });
  return value as unknown as TakeCorrections;
}

export function emptyCorrections(report: TakeReport, reportKey: string, now: Date): TakeCorrections {
  return { format: CORRECTIONS_FORMAT, version: CORRECTIONS_VERSION, source: report.source, report: reportKey, updated: now.toISOString(), labels: [] };
}

/** A new corrections object with note `index` labelled `label` (replacing an earlier label of that note). */
export function withLabel(corrections: TakeCorrections, report: TakeReport, index: number, label: unknown, now: Date): TakeCorrections {
  const note = Number.isInteger(index) ? report.notes[index] : undefined;
  if (!note) throw new CorrectionsError(`no note ${JSON.stringify(index)} in this report (it has ${report.notes.length})`);
  if (!isToneClass(label)) throw new CorrectionsError(`label must be one of ${CLASSES.join(', ')}, got ${JSON.stringify(label)}`);
  const entry: NoteCorrection = { index, onsetSec: note.onsetSec, label, was: note.label, midi: note.pitch?.midi ?? null };
  const labels = [...corrections.labels.filter((l) => l.index !== index), entry].sort((a, b) => a.index - b.index);
  return { ...corrections, updated: now.toISOString(), labels };
}

/** The rows `dataset import <take.wav> --labels` reads. */
export function correctionRows(corrections: TakeCorrections): LabelRow[] {
  return corrections.labels.map((l) => ({ onsetSec: l.onsetSec, label: l.label, ...(l.midi !== null ? { midi: l.midi } : {}) }));
}

/** `onset_sec,label,midi` CSV (header line included; onsets exactly as in the report), readable by `parseLabelsCsv`. */
export function labelsCsv(corrections: TakeCorrections): string {
  const lines = ['onset_sec,label,midi', ...correctionRows(corrections).map((r) => `${r.onsetSec},${r.label},${r.midi ?? ''}`)];
  return lines.join('\n') + '\n';
}

/** Every VALIDATION_EVERY-th labelled note validates the retrained model (at least one, when there are two or more). */
export const VALIDATION_EVERY = 5;

/**
 * Split of each labelled note (in label order) for a retrain: the job needs clips in 'train' and in
 * 'validation'. Group-based splitting (assignSplits) keeps every class in train, which with a handful of
 * labels of different classes leaves validation empty; so here the split is by position.
 */
export function correctionSplits(count: number): ('train' | 'validation')[] {
  const splits = Array.from({ length: count }, (_, k) => ((k + 1) % VALIDATION_EVERY === 0 ? 'validation' : 'train') as 'train' | 'validation');
  if (count >= 2 && !splits.includes('validation')) splits[count - 1] = 'validation';
  return splits;
}
