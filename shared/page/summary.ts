/**
 * What the take page says about a report at a glance: counts, the share of clean notes, and where the buzzy and
 * muted notes cluster — by time section and by register (pitch range; the string is not known from pitch alone).
 * "Not a note" notes (`noNote`, see docs/report.md) are counted apart, never as clean/buzzy/muted.
 */
import type { ToneClass } from '../constants';
import type { ReportNote, TakeReport } from '../report/schema';

/** A report note as the page reads it: `noNote` is optional (added by the not-a-note detector). */
export type PageNote = ReportNote & { noNote?: { reason: string; levelDb: number } };

/** Confidence under this is "low" (the page's filter). */
export const LOW_CONFIDENCE = 0.6;

/** Registers by MIDI note: bottom strings' low frets, then octaves up the neck. */
export const REGISTERS: readonly { name: string; minMidi: number; maxMidi: number }[] = [
  { name: 'low (below C3)', minMidi: 0, maxMidi: 47 },
  { name: 'middle (C3–B3)', minMidi: 48, maxMidi: 59 },
  { name: 'high (C4–B4)', minMidi: 60, maxMidi: 71 },
  { name: 'top (C5 and up)', minMidi: 72, maxMidi: 127 },
];

export interface ClassCounts {
  notes: number;
  clean: number;
  buzzy: number;
  muted: number;
}

export interface SectionCounts extends ClassCounts {
  fromSec: number;
  toSec: number;
}

export interface RegisterCounts extends ClassCounts {
  name: string;
}

export interface SummaryView extends ClassCounts {
  noNote: number;
  /** clean / (clean + buzzy + muted); null without notes. */
  cleanShare: number | null;
  lowConfidence: number;
  sections: SectionCounts[];
  registers: RegisterCounts[];
  /** Sentences such as "buzzy: 3 of 4 in 0:10–0:20; 3 of 4 in middle (C3–B3)". */
  clusters: string[];
}

export const isNoNote = (n: PageNote): boolean => n.noNote !== undefined && n.noNote !== null;

function counts(): ClassCounts {
  return { notes: 0, clean: 0, buzzy: 0, muted: 0 };
}

function add(c: ClassCounts, label: ToneClass): void {
  c.notes++;
  c[label]++;
}

/** Sections of ~10 s, 1 to 6 of them. */
export function sectionBounds(durationSec: number): [number, number][] {
  const n = Math.max(1, Math.min(6, Math.round(durationSec / 10)));
  return Array.from({ length: n }, (_, i) => [(durationSec * i) / n, (durationSec * (i + 1)) / n] as [number, number]);
}

/** m:ss */
export function clockTime(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function cluster(label: 'buzzy' | 'muted', total: number, sections: SectionCounts[], registers: RegisterCounts[]): string | null {
  if (total === 0) return null;
  const topSection = sections.reduce((a, b) => (b[label] > a[label] ? b : a));
  const parts = [`${label}: ${topSection[label]} of ${total} in ${clockTime(topSection.fromSec)}–${clockTime(topSection.toSec)}`];
  const pitched = registers.filter((r) => r[label] > 0);
  if (pitched.length) {
    const top = pitched.reduce((a, b) => (b[label] > a[label] ? b : a));
    parts.push(`${top[label]} of ${total} in the ${top.name} register`);
  }
  return parts.join('; ');
}

export function summaryView(report: TakeReport): SummaryView {
  const notes = report.notes as PageNote[];
  const all = counts();
  const sections: SectionCounts[] = sectionBounds(report.durationSec).map(([fromSec, toSec]) => ({ fromSec, toSec, ...counts() }));
  const registers: RegisterCounts[] = REGISTERS.map((r) => ({ name: r.name, ...counts() }));
  let noNote = 0;
  let lowConfidence = 0;
  for (const n of notes) {
    if (isNoNote(n)) {
      noNote++;
      continue;
    }
    add(all, n.label);
    if (n.confidence < LOW_CONFIDENCE) lowConfidence++;
    const s = sections.findIndex((sec, i) => n.onsetSec < sec.toSec || i === sections.length - 1);
    add(sections[s], n.label);
    if (n.pitch) {
      const r = REGISTERS.findIndex((reg) => n.pitch!.midi >= reg.minMidi && n.pitch!.midi <= reg.maxMidi);
      add(registers[r], n.label);
    }
  }
  const clusters = [cluster('buzzy', all.buzzy, sections, registers), cluster('muted', all.muted, sections, registers)].filter((s): s is string => s !== null);
  return {
    ...all,
    noNote,
    cleanShare: all.notes ? all.clean / all.notes : null,
    lowConfidence,
    sections,
    registers: registers.filter((r) => r.notes > 0),
    clusters,
  };
}
