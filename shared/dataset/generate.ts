/**
 * Planning and rendering of a generated dataset (pure; the CLI does the file and process work).
 *
 * Class balance: size/3 clips per class. The soundfont source (recorded guitars, no fret buzz) supplies a share
 * of the clean and muted clips; the synthesiser supplies the rest, including every buzzy clip.
 * Groups: a synthetic instrument (guitar + pickup/mic + room + noise floor) of 10-30 clips of mixed classes;
 * a soundfont clean program; the muted program per register (it is the only recorded muted source, and its
 * samples differ per register, so it can still reach every split).
 * Context: a share of the synth clips carry neighbouring notes of the same guitar (one still ringing from before
 * the onset, or a whole run of them; notes played after it), because a clip cut from a take holds them too; the
 * label stays the clip's note.
 */
import { CLASSES, CLIP_SECONDS, PRE_ONSET_SECONDS, SAMPLE_RATE, ToneClass } from '../constants';
import { Rng } from '../rng';
import { AppliedAugmentation, augmentClip, resamplePitch } from '../synth/augment';
import { InstrumentParams, sampleInstrument } from '../synth/instrument';
import { dbToGain, peakAbs } from '../synth/filters';
import { mixNotesDry } from '../synth/mix';
import { addNoiseFloor, MAX_MIDI, MIN_MIDI, NoteParams, recordDryMix, sampleMidiOnString, sampleNoteParams, synthesizeNote } from '../synth/note';
import { sha256Hex } from './hash';
import { assignSplits, summarizeGroups } from './splits';
import { ClipSource, Manifest, MANIFEST_VERSION, ManifestClip, ManifestGroup, Split } from './types';

export type GeneratedSource = Extract<ClipSource, 'synth' | 'soundfont'>;
export const GENERATED_SOURCES: readonly GeneratedSource[] = ['synth', 'soundfont'];

/** GM programs, 0-based: 24 nylon, 25 steel, 26 jazz, 27 clean electric (clean); 28 muted electric (muted). */
export const SOUNDFONT_CLEAN_PROGRAMS = [24, 25, 26, 27] as const;
export const SOUNDFONT_MUTED_PROGRAM = 28;
/** FluidR3's muted guitar has no samples above MIDI 84 (measured: silent from 85). */
export const SOUNDFONT_MUTED_MAX_MIDI = 84;
export const SOUNDFONT_REGISTERS = [
  { name: 'low', min: 40, max: 55 },
  { name: 'mid', min: 56, max: 69 },
  { name: 'high', min: 70, max: 84 },
] as const;

export interface DatasetOptions {
  size: number;
  seed: number;
  sources: readonly GeneratedSource[];
  /** Fraction of the clean and of the muted clips taken from the soundfont when it is a source (default 0.25). */
  soundfontShare?: number;
  /** Apply augmentation (default true). */
  augment?: boolean;
  /** Synth clips per instrument group (default 10..30). */
  groupSize?: { min: number; max: number };
  /** Fraction of the synth clips that carry neighbouring notes (default 0.4; 0 = isolated notes only). */
  contextShare?: number;
  /**
   * Fraction of the soundfont clips that carry neighbouring soundfont notes (other recorded notes of the same split,
   * mixed in at the same timing and levels as the synth context; default 0 = isolated recorded notes).
   */
  soundfontContextShare?: number;
  /** What rings in from before a clip's onset, for both sources' neighbours (default 'note'; see ContextBefore). */
  contextBefore?: ContextBefore;
}

/**
 * The neighbours before a clip's onset: 'note' = at most one note ringing in (every dataset until ds-v17); 'run' =
 * the notes of a run played before it, as many as may still ring. Inside takes a palm mute after a run of clean
 * notes was heard as clean: with one clean note still ringing 95 % of held-out FluidR3 mutes were right, with three
 * or more 44 % (default-15).
 */
export type ContextBefore = 'note' | 'run';
export const CONTEXT_BEFORE: readonly ContextBefore[] = ['note', 'run'];

/** A neighbouring note in a clip: same guitar, its attack `offsetSec` after (or, negative, before) the clip's note. */
export interface ContextNote {
  note: NoteParams;
  offsetSec: number;
}

export interface SoundfontNote {
  program: number;
  midi: number;
  /** MIDI velocity 1..127. */
  velocity: number;
  /** Pitch shift of the render by resampling, semitones (0 = as rendered): variety without another sample set. */
  shiftSemitones?: number;
}

/** A neighbouring recorded note in a soundfont clip: another planned soundfont clip's render, placed and levelled. */
export interface SoundfontContextNote {
  /** Plan index and file of the soundfont clip whose render is mixed in (always of the same split). */
  partner: number;
  partnerFile: string;
  /** Its attack, seconds after (negative: before) the clip's own. */
  offsetSec: number;
  /** Its peak relative to the clip's own note's peak, dB. */
  relativeDb: number;
}

/** Share of the soundfont clips pitch-shifted by resampling, and the largest shift (semitones). */
export const SOUNDFONT_SHIFT = { p: 0.6, maxSemitones: 3 } as const;

export interface PlannedClip {
  index: number;
  /** Path relative to the dataset root. */
  file: string;
  label: ToneClass;
  source: GeneratedSource;
  group: string;
  midi: number;
  /** Synth clips: the full note parameters (instrument included). */
  note?: NoteParams;
  /** Synth clips: neighbouring notes mixed into the clip (absent for an isolated note). */
  context?: ContextNote[];
  /** Soundfont clips: what to render. */
  soundfont?: SoundfontNote;
  /** Soundfont clips: neighbouring recorded notes mixed into the clip (absent for an isolated note). */
  soundfontContext?: SoundfontContextNote[];
  /** Seed of this clip's augmentation, or null when augmentation is off. */
  augmentSeed: number | null;
}

export interface DatasetPlan {
  options: Required<Omit<DatasetOptions, 'groupSize'>> & { groupSize: { min: number; max: number } };
  clips: PlannedClip[];
  groups: Record<string, ManifestGroup>;
}

/** A child seed for item `index` of stream `stream`: independent of how many draws other items made. */
export function childSeed(seed: number, stream: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const STREAM = { labels: 1, instrument: 2, note: 3, augment: 4, soundfont: 5, context: 6, soundfontContext: 7 } as const;

/** How neighbouring notes are drawn; gaps as in played takes (fast runs down to 0.12 s). */
const CONTEXT = {
  /**
   * Chance of notes ringing in from before the onset, and how long before the last of them started (s). A 'run'
   * reaches back to `runSec`: older notes have mostly rung out.
   */
  before: { p: 0.5, minSec: 0.12, maxSec: 1.5, runSec: 3 },
  /** Chance of following notes when there is a note before (always when there is none). */
  afterP: 0.8,
  fastGapP: 0.35,
  fastGapSec: { min: 0.12, max: 0.3 },
  gapSec: { min: 0.3, max: 1.5 },
  /** Chance that a neighbour is on the clip note's string (it then cuts or is cut, as on a guitar). */
  sameStringP: 0.35,
  /**
   * Neighbour level relative to the clip's note, dB. In a take two notes' levels differ by up to ~27 dB (velocity
   * 0.04-1); until ds-v13 the neighbours were at most 6 dB louder, and inside synthetic takes soft notes under a
   * louder ringing one were the worst heard (35-43 % right below -30 dBFS).
   */
  levelDb: { min: -15, max: 15 },
} as const;

/** The time from one note of a run to the next, as in played takes: 35 % fast (0.12-0.3 s), else 0.3-1.5 s. */
function takeGapSec(rng: Rng): number {
  return rng.chance(CONTEXT.fastGapP) ? rng.uniform(CONTEXT.fastGapSec.min, CONTEXT.fastGapSec.max) : rng.logUniform(CONTEXT.gapSec.min, CONTEXT.gapSec.max);
}

/** When neighbours sound (notes ringing in from before, then following notes): `make` draws each one. */
function sampleContextTimes<T>(rng: Rng, before: ContextBefore, make: (offsetSec: number, k: number) => T): T[] {
  const out: T[] = [];
  if (rng.chance(CONTEXT.before.p)) {
    let t = -rng.logUniform(CONTEXT.before.minSec, CONTEXT.before.maxSec);
    out.push(make(t, 0));
    if (before === 'run') for (t -= takeGapSec(rng); t > -CONTEXT.before.runSec; t -= takeGapSec(rng)) out.push(make(t, out.length));
  }
  if (out.length === 0 || rng.chance(CONTEXT.afterP)) {
    const window = CLIP_SECONDS - PRE_ONSET_SECONDS;
    for (let t = 0; ; ) {
      t += takeGapSec(rng);
      if (t >= window) break;
      out.push(make(t, out.length + 1));
    }
  }
  return out;
}

function sampleContext(target: NoteParams, rng: Rng, before: ContextBefore): ContextNote[] {
  return sampleContextTimes(rng, before, (offsetSec, k) => {
    const stringIndex = rng.chance(CONTEXT.sameStringP) ? target.stringIndex : (target.stringIndex + rng.int(1, 5)) % 6;
    const midi = sampleMidiOnString(stringIndex, rng);
    const note = sampleNoteParams({ label: rng.pick(CLASSES), rng: rng.fork(k), midi, instrument: target.instrument, stringIndex });
    note.levelDb = Math.min(-1, target.levelDb + rng.uniform(CONTEXT.levelDb.min, CONTEXT.levelDb.max));
    return { note, offsetSec };
  });
}

/** Gives a share of the soundfont clips neighbours drawn from the soundfont clips of their own split. */
function planSoundfontContext(clips: PlannedClip[], splitOf: (clip: PlannedClip) => Split, seed: number, share: number, before: ContextBefore): void {
  const bySplit = new Map<Split, number[]>();
  for (const c of clips) {
    if (c.source !== 'soundfont') continue;
    const split = splitOf(c);
    if (!bySplit.has(split)) bySplit.set(split, []);
    bySplit.get(split)!.push(c.index);
  }
  for (const c of clips) {
    if (c.source !== 'soundfont') continue;
    const others = bySplit.get(splitOf(c))!.filter((i) => i !== c.index);
    const rng = new Rng(childSeed(seed, STREAM.soundfontContext, c.index));
    if (others.length === 0 || !(rng.next() < share)) continue;
    c.soundfontContext = sampleContextTimes(rng, before, (offsetSec) => {
      const partner = rng.pick(others);
      return { partner, partnerFile: clips[partner].file, offsetSec, relativeDb: rng.uniform(CONTEXT.levelDb.min, CONTEXT.levelDb.max) };
    });
  }
}

function perClassCounts(size: number): Record<ToneClass, number> {
  const base = Math.floor(size / 3);
  const out = {} as Record<ToneClass, number>;
  CLASSES.forEach((c, i) => (out[c] = base + (i < size % 3 ? 1 : 0)));
  return out;
}

export function soundfontGroupOf(program: number, midi: number): string {
  if (program !== SOUNDFONT_MUTED_PROGRAM) return `soundfont-p${program}`;
  const reg = SOUNDFONT_REGISTERS.find((r) => midi >= r.min && midi <= r.max) ?? SOUNDFONT_REGISTERS[1];
  return `soundfont-p${program}-${reg.name}`;
}

/** Decides every clip (class, source, group, parameters, seeds) without rendering anything. */
export function planDataset(options: DatasetOptions): DatasetPlan {
  const { size, seed } = options;
  if (!Number.isInteger(size) || size < 3) throw new TypeError(`planDataset: size must be an integer >= 3, got ${size}`);
  if (!Number.isInteger(seed)) throw new TypeError(`planDataset: seed must be an integer, got ${seed}`);
  const sources = [...new Set(options.sources)].sort() as GeneratedSource[];
  if (sources.length === 0 || sources.some((s) => !GENERATED_SOURCES.includes(s))) {
    throw new TypeError(`planDataset: sources must be a non-empty subset of ${GENERATED_SOURCES.join(', ')}`);
  }
  if (!sources.includes('synth')) throw new TypeError('planDataset: the synth source is required (it supplies the buzzy class)');
  const share = options.soundfontShare ?? 0.25;
  if (!(share >= 0 && share <= 0.9)) throw new TypeError(`planDataset: soundfontShare must be in [0, 0.9], got ${share}`);
  const augment = options.augment ?? true;
  const groupSize = options.groupSize ?? { min: 10, max: 30 };
  if (!(groupSize.min >= 1 && groupSize.max >= groupSize.min)) throw new TypeError('planDataset: bad groupSize');
  const contextShare = options.contextShare ?? 0.4;
  if (!(contextShare >= 0 && contextShare <= 1)) throw new TypeError(`planDataset: contextShare must be in [0, 1], got ${contextShare}`);
  const soundfontContextShare = options.soundfontContextShare ?? 0;
  if (!(soundfontContextShare >= 0 && soundfontContextShare <= 1)) throw new TypeError(`planDataset: soundfontContextShare must be in [0, 1], got ${soundfontContextShare}`);
  const contextBefore = options.contextBefore ?? 'note';
  if (!CONTEXT_BEFORE.includes(contextBefore)) throw new TypeError(`planDataset: contextBefore must be one of ${CONTEXT_BEFORE.join(', ')}, got '${contextBefore}'`);

  const counts = perClassCounts(size);
  const sf: Record<ToneClass, number> = { buzzy: 0, clean: 0, muted: 0 };
  if (sources.includes('soundfont')) {
    sf.clean = Math.round(counts.clean * share);
    sf.muted = Math.round(counts.muted * share);
  }
  const clips: PlannedClip[] = [];
  const groups: Record<string, ManifestGroup> = {};

  // Synth: a shuffled list of labels cut into instrument groups.
  const labelRng = new Rng(childSeed(seed, STREAM.labels, 0));
  const synthLabels: ToneClass[] = [];
  for (const c of CLASSES) for (let i = 0; i < counts[c] - sf[c]; i++) synthLabels.push(c);
  labelRng.shuffle(synthLabels);
  let g = 0;
  for (let pos = 0; pos < synthLabels.length; g++) {
    const remaining = synthLabels.length - pos;
    let n = labelRng.int(groupSize.min, groupSize.max);
    if (remaining - n < groupSize.min) n = remaining; // no runt group at the end
    const group = `synth-g${String(g).padStart(4, '0')}`;
    const instrument: InstrumentParams = sampleInstrument(new Rng(childSeed(seed, STREAM.instrument, g)));
    groups[group] = { source: 'synth', split: 'train', params: { instrument } };
    for (let k = 0; k < n; k++, pos++) {
      const index = clips.length;
      const label = synthLabels[pos];
      const note = sampleNoteParams({ label, rng: new Rng(childSeed(seed, STREAM.note, index)), instrument });
      const contextRng = new Rng(childSeed(seed, STREAM.context, index));
      const context = contextRng.next() < contextShare ? sampleContext(note, contextRng, contextBefore) : undefined;
      clips.push({
        index,
        file: `${label}/synth-${String(index).padStart(6, '0')}.wav`,
        label,
        source: 'synth',
        group,
        midi: note.midi,
        note,
        ...(context ? { context } : {}),
        augmentSeed: augment ? childSeed(seed, STREAM.augment, index) : null,
      });
    }
  }

  // Soundfont: clean programs round-robin, the muted program; varied pitch and velocity.
  const sfRng = new Rng(childSeed(seed, STREAM.soundfont, 0));
  for (const label of ['clean', 'muted'] as const) {
    for (let k = 0; k < sf[label]; k++) {
      const program = label === 'clean' ? SOUNDFONT_CLEAN_PROGRAMS[k % SOUNDFONT_CLEAN_PROGRAMS.length] : SOUNDFONT_MUTED_PROGRAM;
      const top = label === 'muted' ? SOUNDFONT_MUTED_MAX_MIDI : MAX_MIDI;
      const midi = sfRng.chance(0.8) ? sfRng.int(MIN_MIDI, 76) : sfRng.int(77, top);
      const velocity = sfRng.int(20, 127);
      // The heard pitch stays on the guitar (E2..E6).
      const shiftSemitones = sfRng.chance(SOUNDFONT_SHIFT.p)
        ? sfRng.uniform(Math.max(-SOUNDFONT_SHIFT.maxSemitones, MIN_MIDI - midi), Math.min(SOUNDFONT_SHIFT.maxSemitones, MAX_MIDI - midi))
        : 0;
      const group = soundfontGroupOf(program, midi);
      groups[group] ??= {
        source: 'soundfont',
        split: 'train',
        params: { program, ...(program === SOUNDFONT_MUTED_PROGRAM ? { register: group.split('-').pop() } : {}) },
      };
      const index = clips.length;
      clips.push({
        index,
        file: `${label}/soundfont-${String(index).padStart(6, '0')}.wav`,
        label,
        source: 'soundfont',
        group,
        midi: Math.round(midi + shiftSemitones),
        soundfont: { program, midi, velocity, shiftSemitones },
        augmentSeed: augment ? childSeed(seed, STREAM.augment, index) : null,
      });
    }
  }

  const splits = assignSplits(summarizeGroups(clips), { seed });
  for (const [name, split] of splits) groups[name].split = split;
  // After the splits: a neighbour must come from the clip's own split, or held-out audio would leak into training.
  if (soundfontContextShare > 0) planSoundfontContext(clips, (c) => groups[c.group].split, seed, soundfontContextShare, contextBefore);
  return { options: { size, seed, sources, soundfontShare: share, augment, groupSize, contextShare, soundfontContextShare, contextBefore }, clips, groups };
}

/** Renders a planned synth clip (2 s, onset at 0.1 s) with its neighbouring notes, before augmentation. */
export function renderSynthClip(clip: PlannedClip): Float32Array {
  const { note, context } = clip;
  if (!note) throw new TypeError(`renderSynthClip: clip ${clip.index} is not a synth clip`);
  if (!context?.length) return synthesizeNote(note);
  const onset = Math.round(note.onsetSec * SAMPLE_RATE);
  const notes = [{ params: note, onsetSample: onset }, ...context.map((c) => ({ params: c.note, onsetSample: onset + Math.round(c.offsetSec * SAMPLE_RATE) }))];
  const mix = mixNotesDry(notes, Math.round(note.durationSec * SAMPLE_RATE), SAMPLE_RATE);
  recordDryMix(mix, note, SAMPLE_RATE);
  return mix;
}

/** How long a note render mixed into a longer signal fades out at its end. */
const RENDER_FADE_SAMPLES = Math.round(0.05 * SAMPLE_RATE);

/**
 * Adds `gain` x `render` into `out` with render sample 0 at out index `shift` (may be negative), fading the
 * render out over its last 50 ms: a 2 s note render mixed into a longer signal ends without a click.
 */
export function overlapAddRender(out: Float32Array, render: Float32Array, shift: number, gain: number): void {
  const fadeFrom = render.length - RENDER_FADE_SAMPLES;
  for (let i = Math.max(0, shift); i < out.length && i - shift < render.length; i++) {
    const j = i - shift;
    const fade = j < fadeFrom ? 1 : 0.5 + 0.5 * Math.cos((Math.PI * (j - fadeFrom + 1)) / RENDER_FADE_SAMPLES);
    out[i] += gain * render[j] * fade;
  }
}

/**
 * A soundfont clip's render with its neighbours' renders mixed in (renders are 2 s, attack at 0.1 s): each
 * neighbour's attack lands `offsetSec` after the clip's own, at `relativeDb` against the clip's own peak.
 * `renderOf(index)` gives a planned clip's raw render. Without context, the render itself.
 */
export function mixSoundfontContext(clip: PlannedClip, own: Float32Array, renderOf: (index: number) => Float32Array): Float32Array {
  if (!clip.soundfontContext?.length) return own;
  const out = own.slice();
  const ownPeak = peakAbs(own);
  for (const n of clip.soundfontContext) {
    const partner = renderOf(n.partner);
    const partnerPeak = peakAbs(partner);
    if (partnerPeak > 0 && ownPeak > 0) overlapAddRender(out, partner, Math.round(n.offsetSec * SAMPLE_RATE), (ownPeak * dbToGain(n.relativeDb)) / partnerPeak);
  }
  return out;
}

/**
 * Brings a rendered soundfont clip to the synth clips' conditions, so the source is not a shortcut to the label:
 * its planned pitch shift (resampling about the onset), a peak level drawn like the synth's (from the velocity, -31..-1 dBFS) and a recording noise floor
 * (the render is digitally silent before the onset). Returns the settings for the manifest.
 */
export function prepareSoundfontClip(clip: PlannedClip, samples: Float32Array): { samples: Float32Array; applied: AppliedAugmentation } {
  if (!clip.soundfont) throw new TypeError(`prepareSoundfontClip: clip ${clip.index} is not a soundfont clip`);
  const rng = new Rng(childSeed(clip.index, STREAM.soundfont, clip.soundfont.velocity));
  const shiftSemitones = clip.soundfont.shiftSemitones ?? 0;
  const onset = Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE);
  const x = shiftSemitones !== 0 ? resamplePitch(samples, shiftSemitones, onset) : samples.slice();
  const peak = peakAbs(x);
  const levelDb = Math.min(-1, -30 + 28 * (clip.soundfont.velocity / 127) + rng.uniform(-8, 3));
  const g = peak > 0 ? dbToGain(levelDb) / peak : 1;
  for (let i = 0; i < x.length; i++) x[i] *= g;
  const noiseFloorDb = rng.uniform(-88, -58);
  addNoiseFloor(x, noiseFloorDb, rng);
  return { samples: x, applied: { name: 'recording-level', levelDb, noiseFloorDb, shiftSemitones } };
}

/** Applies the clip's augmentation (if any) to its rendered samples. */
export function augmentPlannedClip(clip: PlannedClip, samples: Float32Array): { samples: Float32Array; applied: AppliedAugmentation[] } {
  if (clip.augmentSeed === null) return { samples, applied: [] };
  return augmentClip(samples, { rng: new Rng(clip.augmentSeed), sampleRate: SAMPLE_RATE, onsetSample: Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE) });
}

/** The manifest entry of a planned clip (the instrument lives in the group, not in every clip). */
export function manifestClipOf(clip: PlannedClip, split: Split, applied: AppliedAugmentation[]): ManifestClip {
  let params: Record<string, unknown> | undefined;
  if (clip.note) {
    const { instrument: _instrument, ...rest } = clip.note;
    const context = clip.context?.map((c) => ({ offsetSec: c.offsetSec, label: c.note.label, variant: c.note.variant, midi: c.note.midi, stringIndex: c.note.stringIndex, levelDb: c.note.levelDb }));
    params = { generator: 'waveguide', ...rest, ...(context ? { context } : {}) };
  } else if (clip.soundfont) {
    const context = clip.soundfontContext;
    params = { generator: 'fluidsynth', soundfont: 'FluidR3_GM', ...clip.soundfont, ...(context ? { context } : {}) };
  }
  return { file: clip.file, label: clip.label, source: clip.source, group: clip.group, split, midi: clip.midi, params, augmentations: applied };
}

/**
 * Content id of a dataset: SHA-256 over each clip's file, label, source, group, split and WAV bytes' hash,
 * in file order. Independent of creation time and of JSON formatting.
 */
export function datasetId(clips: readonly ManifestClip[], wavHashes: ReadonlyMap<string, string>): string {
  const lines = [...clips]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((c) => {
      const h = wavHashes.get(c.file);
      if (!h) throw new TypeError(`datasetId: no content hash for ${c.file}`);
      return [c.file, c.label, c.source, c.group, c.split, h].join('\t');
    });
  return `sha256:${sha256Hex(lines.join('\n'))}`;
}

export function buildManifest(options: {
  clips: ManifestClip[];
  wavHashes: ReadonlyMap<string, string>;
  sources: readonly ClipSource[];
  created: string;
  seed?: number;
  groups?: Record<string, ManifestGroup>;
}): Manifest {
  const clips = [...options.clips].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    format: 'buzzfinder-dataset',
    version: MANIFEST_VERSION,
    id: datasetId(clips, options.wavHashes),
    created: options.created,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    sources: [...new Set(options.sources)].sort() as ClipSource[],
    clips,
    ...(options.groups ? { groups: options.groups } : {}),
  };
}

/** Counts per class x source x split, for reports and docs. */
export function datasetStats(clips: readonly ManifestClip[]): {
  total: number;
  byClass: Record<string, number>;
  bySource: Record<string, number>;
  bySplit: Record<string, Record<string, number>>;
  groups: Record<string, Record<string, number>>;
} {
  const byClass: Record<string, number> = {}, bySource: Record<string, number> = {};
  const bySplit: Record<string, Record<string, number>> = {};
  const groupSets: Record<string, Record<string, Set<string>>> = {};
  for (const c of clips) {
    byClass[c.label] = (byClass[c.label] ?? 0) + 1;
    bySource[c.source] = (bySource[c.source] ?? 0) + 1;
    bySplit[c.split] ??= {};
    bySplit[c.split][c.label] = (bySplit[c.split][c.label] ?? 0) + 1;
    groupSets[c.split] ??= {};
    (groupSets[c.split][c.source] ??= new Set()).add(c.group);
  }
  const groups: Record<string, Record<string, number>> = {};
  for (const [split, bySrc] of Object.entries(groupSets)) {
    groups[split] = {};
    for (const [src, set] of Object.entries(bySrc)) groups[split][src] = set.size;
  }
  return { total: clips.length, byClass, bySource, bySplit, groups };
}
