/**
 * Takes for the page tests: a hand-made report (valid per validateTakeReport, no model needed) or a real one,
 * stored the way split-take stores them (upload object, report and summary at the upload's generation).
 */
import { CLASSES, ToneClass } from '../../shared/constants';
import { midiToName } from '../../shared/pitch/notes';
import type { TakeReport } from '../../shared/report/schema';
import { reportKeyFor, summaryKeyFor } from '../../functions/split-take';
import { ObjectStore, writeJson } from '../../shared/storage/types';

export interface NoteSpec {
  onsetSec: number;
  label: ToneClass;
  confidence: number;
  midi: number | null;
  noNote?: { reason: 'silence' | 'noise' | 'low_confidence'; levelDb: number };
}

export function handMadeReport(source: string, durationSec: number, notes: NoteSpec[]): TakeReport {
  const counts = { buzzy: 0, clean: 0, muted: 0 };
  let noNote = 0;
  const out = notes.map((n, index) => {
    if (n.noNote) noNote++;
    else counts[n.label]++;
    const rest = (1 - n.confidence) / 2;
    const probabilities = Object.fromEntries(CLASSES.map((c) => [c, c === n.label ? n.confidence : rest])) as Record<ToneClass, number>;
    return {
      index,
      onsetSec: n.onsetSec,
      startSec: Math.max(0, n.onsetSec - 0.1),
      endSec: Math.min(durationSec, n.onsetSec + 1.9),
      label: n.label,
      confidence: n.confidence,
      probabilities,
      pitch: n.midi === null ? null : { hz: 440 * 2 ** ((n.midi - 69) / 12), midi: n.midi, name: midiToName(n.midi) },
      ...(n.noNote ? { noNote: n.noNote } : {}),
    };
  });
  return {
    format: 'buzzfinder-report',
    version: 1,
    source,
    sampleRate: 22050,
    durationSec,
    model: { name: 'buzzfinder', version: 'test' },
    notes: out,
    summary: { notes: notes.length, ...counts, ...(noNote ? { noNote } : {}) },
  } as TakeReport;
}

/** Stores `wav` as upload `name` and `report` as its report + summary; returns the take id. */
export async function storeTake(uploads: ObjectStore, reports: ObjectStore, name: string, wav: Uint8Array, report: TakeReport): Promise<{ id: string; generation: string }> {
  const { generation } = await uploads.write(name, wav, { contentType: 'audio/wav' });
  const reportKey = reportKeyFor(name, generation);
  await writeJson(reports, reportKey, report);
  await writeJson(reports, summaryKeyFor(name, generation), {
    format: 'buzzfinder-take-summary',
    version: 1,
    source: report.source,
    bucket: 'uploads',
    name,
    generation,
    report: reportKey,
    model: report.model,
    durationSec: report.durationSec,
    summary: report.summary,
  });
  return { id: `${name}.${generation}`, generation };
}
