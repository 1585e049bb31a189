/**
 * A synthetic performance ("take") with exact truth: every note's onset sample, MIDI pitch and class.
 * It exercises what splitting a take into notes must survive: irregular gaps (0.12-2.5 s), notes ringing on
 * under the next one (another string: mixed, not cut), legato (same string: the old note stops as the new
 * one starts), soft notes right after loud ones, noise, silence at the edges. One guitar/mic/room per take.
 */
import { CLASSES, SAMPLE_RATE, ToneClass } from '../constants';
import { BuzzfinderError } from '../errors';
import { Rng } from '../rng';
import { peakAbs } from './filters';
import { InstrumentParams, sampleInstrument } from './instrument';
import { mixNotesDry } from './mix';
import { addNoiseFloor, NoteParams, NoteVariant, sampleMidiOnString, sampleNoteParams } from './note';
import { applyRoom } from './room';

export type TakeCondition = 'mixed' | 'fast-run' | 'soft-after-loud' | 'legato' | 'overlapping' | 'quiet' | 'noisy' | 'silence-edges';
export const TAKE_CONDITIONS: readonly TakeCondition[] = ['mixed', 'fast-run', 'soft-after-loud', 'legato', 'overlapping', 'quiet', 'noisy', 'silence-edges'];

export interface TakeNote {
  /** Exact start of the attack: the note's first sample / sampleRate. */
  onsetSec: number;
  midi: number;
  label: ToneClass;
  /** Extra detail (not needed by consumers of the interface, useful when a test fails). */
  variant: NoteVariant;
  stringIndex: number;
  levelDb: number;
  /** 'picked', or 'legato' (hammer-on/pull-off: no pick attack, same string as the previous note). */
  articulation: 'picked' | 'legato';
}

export interface TakeTruth {
  format: 'buzzfinder-take-truth';
  version: 1;
  sampleRate: number;
  durationSec: number;
  seed: number;
  condition: TakeCondition;
  notes: TakeNote[];
}

export interface SynthTake {
  samples: Float32Array;
  sampleRate: number;
  truth: TakeTruth;
}

export const MAX_TAKE_SECONDS = 1800;

export class TakeOptionsError extends BuzzfinderError {
  constructor(message: string) {
    super('bad_take_options', message);
  }
}

interface Planned {
  params: NoteParams;
  onsetSample: number;
  articulation: 'picked' | 'legato';
}

export interface TakeOptions {
  seconds: number;
  seed: number;
  condition?: TakeCondition;
  /**
   * Non-note impulsive clicks per second (pick/fret noise, handling noise, switch pops) added between and under
   * the notes; they are NOT in the truth. Default 0. Drawn from their own random stream: the notes of a take do
   * not depend on this option.
   */
  clicksPerSecond?: number;
}

/** Legato phrases: one picked note, then 1-4 hammer-ons/pull-offs each 0-8 dB softer than the picked one. */
const LEGATO_PHRASE_NOTES = { min: 2, max: 5 };
const LEGATO_DROP_DB = { min: 0, max: 8 };

/**
 * Adds short broadband clicks: a few-ms noise burst or a decaying single impulse, high-passed (little
 * low-frequency energy), peak 0-25 dB under the take's loudest notes, at random times at least 40 ms from any
 * truth onset (a click on an attack is part of that note).
 */
function addClicks(mix: Float32Array, perSecond: number, onsets: number[], refPeak: number, rng: Rng, sr: number): void {
  const count = Math.round(perSecond * (mix.length / sr));
  const guard = Math.round(0.04 * sr);
  for (let c = 0; c < count; c++) {
    let at = -1;
    for (let attempt = 0; attempt < 20 && at < 0; attempt++) {
      const cand = rng.int(Math.round(0.05 * sr), mix.length - Math.round(0.05 * sr));
      if (onsets.every((o) => Math.abs(o - cand) >= guard)) at = cand;
    }
    if (at < 0) continue;
    const kind = rng.int(0, 2); // 0: noise burst, 1: decaying impulse (switch pop), 2: ringing tick
    const lengthSec = kind === 0 ? rng.uniform(0.002, 0.01) : rng.uniform(0.001, 0.004);
    const length = Math.max(4, Math.round(lengthSec * sr));
    const gain = refPeak * 10 ** (-rng.uniform(0, 25) / 20);
    const tickHz = rng.uniform(2000, 6000);
    let prevRaw = 0;
    for (let i = 0; i < length && at + i < mix.length; i++) {
      const env = Math.exp((-5 * i) / length);
      let raw: number;
      if (kind === 0) raw = rng.gaussian();
      else if (kind === 1) raw = i === 0 ? 4 : 0.3 * rng.gaussian();
      else raw = Math.sin((2 * Math.PI * tickHz * i) / sr) + 0.3 * rng.gaussian();
      // First difference: a high-pass, so the click is broadband without a low-frequency thump.
      const hp = raw - prevRaw;
      prevRaw = raw;
      mix[at + i] += 0.5 * gain * env * hp;
    }
  }
}

/** Synthesises a take of `seconds` seconds; `condition` stresses one aspect (default 'mixed': all of them). */
export function synthesizeTake(options: TakeOptions): SynthTake {
  const { seconds, seed } = options;
  const condition = options.condition ?? 'mixed';
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > MAX_TAKE_SECONDS) {
    throw new TakeOptionsError(`seconds must be between 1 and ${MAX_TAKE_SECONDS}, got ${seconds}`);
  }
  if (!Number.isInteger(seed)) throw new TakeOptionsError(`seed must be an integer, got ${seed}`);
  if (!TAKE_CONDITIONS.includes(condition)) {
    throw new TakeOptionsError(`condition must be one of ${TAKE_CONDITIONS.join(', ')}, got '${String(condition)}'`);
  }
  const clicksPerSecond = options.clicksPerSecond ?? 0;
  if (!Number.isFinite(clicksPerSecond) || clicksPerSecond < 0 || clicksPerSecond > 20) {
    throw new TakeOptionsError(`clicksPerSecond must be between 0 and 20, got ${clicksPerSecond}`);
  }
  const sr = SAMPLE_RATE;
  const total = Math.round(seconds * sr);
  const rng = new Rng(seed);
  const instrument: InstrumentParams = sampleInstrument(rng.fork(1));
  const plan = rng.fork(2);

  const edges = condition === 'silence-edges' || (condition === 'mixed' && plan.chance(0.4));
  const lead = edges ? plan.uniform(2, 4) : plan.uniform(0.2, 0.6);
  const tail = edges ? plan.uniform(2, 4) : plan.uniform(0.3, 0.8);
  const lastOnset = seconds - tail;

  const notes: Planned[] = [];
  let t = Math.min(lead, Math.max(0.05, seconds * 0.3));
  let prev: NoteParams | null = null;
  let loudNext = true;
  let phraseLevelDb = 0; // level of the picked note that started the current legato phrase
  let phraseLeft = 0; // legato notes still to come in the current phrase
  while (t <= lastOnset || notes.length === 0) {
    const label: ToneClass = plan.pick(CLASSES);
    const mode = condition === 'mixed' ? plan.pick(['legato', 'overlapping', 'soft-after-loud', 'free', 'free'] as const) : condition;
    // A legato note continues a phrase on the previous note's string; otherwise (or when the phrase is done) it is picked.
    const hammerOn = mode === 'legato' && prev !== null && phraseLeft > 0;
    let stringIndex: number;
    if (prev && hammerOn) stringIndex = prev.stringIndex;
    else if (prev && mode === 'overlapping') stringIndex = (prev.stringIndex + plan.int(1, 5)) % 6;
    else stringIndex = plan.int(0, 5);
    const midi = sampleMidiOnString(stringIndex, plan);
    const params = sampleNoteParams({ label, rng: plan.fork(notes.length), midi, instrument, stringIndex });
    params.onsetSec = 0;
    if (mode === 'soft-after-loud') {
      params.levelDb = loudNext ? plan.uniform(-4, -1) : plan.uniform(-4, -1) - plan.uniform(20, 35);
      loudNext = !loudNext;
    } else if (hammerOn) {
      // Hammer-on / pull-off: the new note starts softly from the already vibrating string, a few dB under
      // the picked note that started the phrase.
      params.pickHardness = plan.uniform(0, 0.25);
      params.levelDb = phraseLevelDb - plan.uniform(LEGATO_DROP_DB.min, LEGATO_DROP_DB.max);
      phraseLeft--;
    }
    if (mode === 'legato' && !hammerOn) {
      phraseLevelDb = params.levelDb;
      phraseLeft = plan.int(LEGATO_PHRASE_NOTES.min, LEGATO_PHRASE_NOTES.max) - 1;
    } else if (mode !== 'legato') {
      phraseLeft = 0;
    }
    if (condition === 'quiet') params.levelDb -= 30;
    const onsetSample = Math.min(total - 1, Math.round(t * sr));
    notes.push({ params, onsetSample, articulation: hammerOn ? 'legato' : 'picked' });
    prev = params;
    let gap: number;
    switch (mode) {
      case 'fast-run': gap = plan.uniform(0.12, 0.25); break;
      case 'legato': gap = plan.uniform(0.15, 0.6); break;
      case 'overlapping': gap = plan.uniform(0.15, 0.7); break;
      case 'soft-after-loud': gap = plan.uniform(0.2, 0.9); break;
      default: gap = plan.chance(0.25) ? plan.uniform(0.12, 0.3) : plan.logUniform(0.3, 2.5);
    }
    t += gap;
    if (notes.length > seconds * 10) break; // cannot happen with gaps >= 0.12 s; a guard, not a rule
  }

  const mix = mixNotesDry(notes, total, sr);
  applyRoom(mix, instrument.room, sr);

  let floorDb = instrument.noiseFloorDb;
  if (condition === 'quiet') floorDb = Math.min(floorDb, plan.uniform(-92, -82));
  if (condition === 'noisy' || (condition === 'mixed' && plan.chance(0.3))) {
    const meanPeakDb = notes.reduce((s, n) => s + n.params.levelDb, 0) / notes.length;
    floorDb = meanPeakDb - 10 - plan.uniform(20, 30); // note RMS sits ~10 dB under its peak
  }
  if (clicksPerSecond > 0) {
    const refPeak = 10 ** (Math.max(...notes.map((n) => n.params.levelDb)) / 20);
    addClicks(mix, clicksPerSecond, notes.map((n) => n.onsetSample), refPeak, new Rng(seed ^ 0x5bd1e995), sr);
  }
  addNoiseFloor(mix, floorDb, new Rng(seed ^ 0x2545f491));
  // Keep the take below full scale (many loud notes can pile up).
  const peak = peakAbs(mix);
  if (peak > 0.99) {
    const g = 0.99 / peak;
    for (let i = 0; i < total; i++) mix[i] *= g;
    for (const n of notes) n.params.levelDb += 20 * Math.log10(g);
  }

  return {
    samples: mix,
    sampleRate: sr,
    truth: {
      format: 'buzzfinder-take-truth',
      version: 1,
      sampleRate: sr,
      durationSec: total / sr,
      seed,
      condition,
      notes: notes.map((n) => ({
        onsetSec: n.onsetSample / sr,
        midi: n.params.midi,
        label: n.params.label,
        variant: n.params.variant,
        stringIndex: n.params.stringIndex,
        levelDb: n.params.levelDb,
        articulation: n.articulation,
      })),
    },
  };
}
