/**
 * Generated vs recorded notes, by class, by coarse measurements only (shared/synth/signature.ts):
 * `npx tsx bench/realism.ts [--per-class 40] [--soundfont-notes 24] [--seed 1] [--augment]`.
 *
 * Sources: the real clips in ../shared/reference/real-clips (class in the file name; EVALUATION ONLY: this
 * script compares class-level distributions, it never fits anything to them), the synthesiser (per variant),
 * and FluidR3 renders (clean programs 24-27, muted program 28) when fluidsynth is installed.
 * Prints one table row per source x class: median [25th-75th percentile] of each measure, then one JSON line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { findSoundfontSetup, renderSoundfontNotes } from '../adapters/soundfont';
import { labelFromFileName, REFERENCE_REAL_CLIPS_DIR } from '../cli/real-clips';
import { loadAudio } from '../shared/audio/load';
import { CLASSES, PRE_ONSET_SECONDS, SAMPLE_RATE } from '../shared/constants';
import { SOUNDFONT_CLEAN_PROGRAMS, SOUNDFONT_MUTED_MAX_MIDI, SOUNDFONT_MUTED_PROGRAM } from '../shared/dataset/generate';
import { Rng } from '../shared/rng';
import { augmentClip } from '../shared/synth/augment';
import { NoteVariant, sampleNoteParams, synthesizeNote } from '../shared/synth/note';
import { NoteSignature, noteSignature, SIGNATURE_WINDOWS } from '../shared/synth/signature';

const { values } = parseArgs({
  options: { 'per-class': { type: 'string' }, 'soundfont-notes': { type: 'string' }, seed: { type: 'string' }, augment: { type: 'boolean' } },
});
const PER_CLASS = Number(values['per-class'] ?? 40);
const SF_NOTES = Number(values['soundfont-notes'] ?? 24);
const SEED = Number(values.seed ?? 1);

type Row = { source: string; cls: string; sigs: NoteSignature[] };

function quantile(v: number[], q: number): number {
  const s = v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function cell(v: number[], digits = 1): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
  return v.length === 1 ? f(v[0]) : `${f(quantile(v, 0.5))} [${f(quantile(v, 0.25))}..${f(quantile(v, 0.75))}]`;
}

const MEASURES: { name: string; get: (s: NoteSignature) => number; digits?: number }[] = [
  { name: 'body-attack dB', get: (s) => s.bodyVsAttackDb },
  { name: 'decay20 s', get: (s) => s.decay20Sec, digits: 2 },
  { name: 'decay40 s', get: (s) => s.decay40Sec, digits: 2 },
  ...SIGNATURE_WINDOWS.map(([a, b], w) => ({ name: `sizzle ${a}-${b}s dB`, get: (s: NoteSignature) => s.sizzleDb[w] })),
  ...SIGNATURE_WINDOWS.slice(0, 4).map(([a, b], w) => ({ name: `flat ${a}-${b}s`, get: (s: NoteSignature) => s.flatness[w], digits: 3 })),
  { name: 'centroid Hz', get: (s) => s.centroidHz, digits: 0 },
  { name: 'sizzle periodicity', get: (s) => s.sizzlePeriodicity, digits: 2 },
];

function maybeAugment(x: Float32Array, seed: number): Float32Array {
  if (!values.augment) return x;
  return augmentClip(x, { rng: new Rng(seed ^ 0x2545f491), onsetSample: Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE) }).samples;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  if (fs.existsSync(REFERENCE_REAL_CLIPS_DIR)) {
    for (const cls of CLASSES) {
      const files = fs.readdirSync(REFERENCE_REAL_CLIPS_DIR).filter((f) => f.endsWith('.wav') && labelFromFileName(f) === cls);
      const sigs = files.map((f) => noteSignature(loadAudio(new Uint8Array(fs.readFileSync(path.join(REFERENCE_REAL_CLIPS_DIR, f)))).samples));
      rows.push({ source: 'real', cls, sigs });
    }
  }
  const variants: { cls: (typeof CLASSES)[number]; variant: NoteVariant }[] = [
    { cls: 'clean', variant: 'ring' },
    { cls: 'buzzy', variant: 'fret-buzz' },
    { cls: 'muted', variant: 'palm-mute' },
    { cls: 'muted', variant: 'dead-note' },
    { cls: 'muted', variant: 'damped' },
  ];
  for (const { cls, variant } of variants) {
    const sigs: NoteSignature[] = [];
    for (let k = 0; k < PER_CLASS; k++) {
      const seed = SEED * 100003 + k * 7919 + cls.length;
      const p = sampleNoteParams({ label: cls, rng: new Rng(seed), variant });
      sigs.push(noteSignature(maybeAugment(synthesizeNote(p), seed), { onsetSec: values.augment ? undefined : p.onsetSec }));
    }
    rows.push({ source: `synth ${variant}`, cls, sigs });
  }
  let sfNote = '';
  try {
    const setup = findSoundfontSetup();
    const rng = new Rng(SEED);
    const clean = Array.from({ length: SF_NOTES }, (_, k) => ({ program: SOUNDFONT_CLEAN_PROGRAMS[k % 4], midi: rng.int(40, 76), velocity: rng.int(20, 127) }));
    const muted = Array.from({ length: SF_NOTES }, () => ({ program: SOUNDFONT_MUTED_PROGRAM, midi: rng.int(40, SOUNDFONT_MUTED_MAX_MIDI), velocity: rng.int(20, 127) }));
    const { clips } = await renderSoundfontNotes([...clean, ...muted], { setup, concurrency: 1 });
    const sig = (xs: Float32Array[]) => xs.map((x, i) => noteSignature(maybeAugment(x, i), { onsetSec: values.augment ? undefined : PRE_ONSET_SECONDS }));
    rows.push({ source: 'FluidR3', cls: 'clean', sigs: sig(clips.slice(0, SF_NOTES)) });
    rows.push({ source: 'FluidR3 p28', cls: 'muted', sigs: sig(clips.slice(SF_NOTES)) });
  } catch (err) {
    sfNote = `soundfont skipped: ${(err as Error).message}`;
  }

  const header = ['source', 'class', 'n', ...MEASURES.map((m) => m.name)];
  const lines = [header, ...rows.map((r) => [r.source, r.cls, String(r.sigs.length), ...MEASURES.map((m) => cell(r.sigs.map(m.get), m.digits ?? 1))])];
  // Transposed: one column per source x class, one row per measure (the table stays readable in a terminal/docs).
  const cols = lines.slice(1).map((l) => `${l[0]} ${l[1]} (${l[2]})`);
  process.stdout.write(`| measure | ${cols.join(' | ')} |\n|---|${cols.map(() => '---').join('|')}|\n`);
  MEASURES.forEach((m, i) => {
    process.stdout.write(`| ${m.name} | ${lines.slice(1).map((l) => l[3 + i]).join(' | ')} |\n`);
  });
  if (sfNote) process.stdout.write(`${sfNote}\n`);
  const json = Object.fromEntries(rows.map((r) => [`${r.source}/${r.cls}`, Object.fromEntries(MEASURES.map((m) => [m.name, quantile(r.sigs.map(m.get), 0.5)]))]));
  process.stdout.write(`${JSON.stringify({ realism: json, augment: !!values.augment, perClass: PER_CLASS })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
