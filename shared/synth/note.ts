/**
 * One guitar note of a given class, synthesised from physically motivated parameters.
 *
 * - clean: the freely ringing waveguide string;
 * - muted: 'palm-mute' (heavy, dull damping: fast decay, pitch still there) or 'dead-note'
 *   (fretting-hand mute: a thump and a noise burst with little or no pitch, gone within ~150 ms);
 * - buzzy: the same ringing string with a one-sided fret barrier (see waveguide.ts), so the sizzle is loudest
 *   in the attack and stops when the amplitude falls below the fret height.
 *
 * Then the body (resonant modes) or pickup, the microphone, the room and the noise floor of the instrument.
 * `sampleNoteParams` draws every choice from the Rng; `synthesizeNote` is a pure function of the parameters.
 */
import { CLIP_SECONDS, PRE_ONSET_SECONDS, SAMPLE_RATE, ToneClass, isToneClass } from '../constants';
import { Rng } from '../rng';
import { addBiquad, applyBiquad, dbToGain, designBiquad, peakAbs } from './filters';
import { InstrumentParams, sampleInstrument } from './instrument';
import { applyRoom } from './room';
import { BarrierParams, renderString, StringParams } from './waveguide';

export type NoteVariant = 'ring' | 'palm-mute' | 'dead-note' | 'fret-buzz';

/** Standard tuning, low E (string 0) to high e (string 5), as MIDI numbers of the open strings. */
export const OPEN_STRINGS = [40, 45, 50, 55, 59, 64] as const;
export const MIN_MIDI = 40; // E2
export const MAX_MIDI = 88; // E6 (24th fret of the high e)

export interface DeadNoteParams {
  /** Level of the (barely pitched) string component relative to the thump. */
  stringLevel: number;
  thumpHz: number;
  thumpDecaySec: number;
  noiseCentreHz: number;
  noiseDecaySec: number;
  noiseLevel: number;
}

/** The string's physical parameters come straight from the waveguide's (documented there). */
type NoteStringParams = Pick<
  StringParams,
  't60' | 't60High' | 'highFreq' | 'dispersion' | 'dispersionStages' | 'pluckPosition' | 'pickHardness' | 'excitationNoise'
>;

export interface NoteParams extends NoteStringParams {
  label: ToneClass;
  variant: NoteVariant;
  midi: number;
  /** Fundamental in Hz (MIDI pitch + the instrument's tuning offset). */
  f0: number;
  /** 0 = low E .. 5 = high e. */
  stringIndex: number;
  fret: number;
  wound: boolean;
  /** 0 (very soft) .. 1 (hard). */
  velocity: number;
  /** Peak level of the note before the noise floor, dBFS. */
  levelDb: number;
  /** Fret barrier (buzzy only): distance from the fretting point as a fraction of the vibrating length, height relative to the local amplitude. */
  barrier: BarrierParams | null;
  deadNote: DeadNoteParams | null;
  /** Palm mute only: the palm resting near the bridge absorbs the upper partials at once (low-pass corner, Hz). */
  palmLowpassHz: number | null;
  instrument: InstrumentParams;
  /** Where the attack starts in the rendered clip, seconds. */
  onsetSec: number;
  durationSec: number;
  /** Seed of the noise sources (excitation roughness, noise floor, dead-note burst). */
  noiseSeed: number;
}

export function midiToHz(midi: number): number {
  return 440 * Math.pow(2, (midi - 69) / 12);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Frets available on each string (the high e reaches E6 at fret 24). */
function maxFret(stringIndex: number): number {
  return stringIndex === 5 ? 24 : 22;
}

/** A MIDI note playable on `stringIndex`, mostly in the lower 12 frets. */
export function sampleMidiOnString(stringIndex: number, rng: Rng): number {
  const top = rng.chance(0.8) ? 12 : maxFret(stringIndex);
  return Math.min(MAX_MIDI, Math.max(MIN_MIDI, OPEN_STRINGS[stringIndex] + rng.int(0, top)));
}

export interface SampleNoteOptions {
  label: ToneClass;
  rng: Rng;
  midi?: number;
  /** The guitar/mic/room; default: a freshly sampled one. */
  instrument?: InstrumentParams;
  /** Force a sub-variant of the class (e.g. 'dead-note' for muted). */
  variant?: NoteVariant;
  /** Force the string (0 = low E); `midi` must be playable on it. */
  stringIndex?: number;
}

/** Samples a note of class `label`. */
export function sampleNoteParams(options: SampleNoteOptions): NoteParams {
  const { label, rng } = options;
  if (!isToneClass(label)) throw new TypeError(`sampleNoteParams: unknown label '${String(label)}'`);
  if (!(rng instanceof Rng)) throw new TypeError('sampleNoteParams: rng must be an Rng');
  const instrument = options.instrument ?? sampleInstrument(rng);
  let midi = options.midi;
  if (midi === undefined) midi = rng.chance(0.8) ? rng.int(MIN_MIDI, 76) : rng.int(77, MAX_MIDI);
  if (!Number.isInteger(midi) || midi < MIN_MIDI || midi > MAX_MIDI) {
    throw new TypeError(`sampleNoteParams: midi must be an integer in ${MIN_MIDI}..${MAX_MIDI}, got ${midi}`);
  }
  let strings = OPEN_STRINGS.map((open, i) => ({ i, fret: midi - open })).filter((s) => s.fret >= 0 && s.fret <= maxFret(s.i));
  if (options.stringIndex !== undefined) {
    strings = strings.filter((s) => s.i === options.stringIndex);
    if (strings.length === 0) throw new TypeError(`sampleNoteParams: midi ${midi} is not playable on string ${options.stringIndex}`);
  }
  const { i: stringIndex, fret } = rng.pick(strings);
  const wound = stringIndex <= 2;
  const steel = instrument.material === 'steel';

  let variant: NoteVariant;
  if (options.variant) variant = options.variant;
  else if (label === 'clean') variant = 'ring';
  else if (label === 'buzzy') variant = 'fret-buzz';
  else variant = rng.chance(0.65) ? 'palm-mute' : 'dead-note';
  const expected: Record<ToneClass, NoteVariant[]> = { clean: ['ring'], buzzy: ['fret-buzz'], muted: ['palm-mute', 'dead-note'] };
  if (!expected[label].includes(variant)) throw new TypeError(`sampleNoteParams: variant '${variant}' does not belong to '${label}'`);

  // Buzz is provoked by hard playing more often than not, but soft buzzes exist too.
  const velocity = label === 'buzzy' ? 0.2 + 0.8 * Math.pow(rng.next(), 0.7) : 0.04 + 0.96 * Math.pow(rng.next(), 0.8);
  const hardnessBase = instrument.kind === 'classical' ? rng.uniform(0, 0.25) : rng.uniform(0.35, 1);
  const pickHardness = clamp(0.7 * hardnessBase + 0.3 * velocity, 0, 1);
  // The picking hand stays near the soundhole/pickups, so on a shorter (fretted) string it is relatively further from the bridge.
  const vibratingLength = Math.pow(2, -fret / 12);
  const pluckPosition = clamp(rng.uniform(0.05, 0.28) / vibratingLength, 0.04, 0.5);

  let t60 = (steel ? 7 : 4) * Math.pow(2, -(midi - MIN_MIDI) / 24) * instrument.sustain * rng.uniform(0.7, 1.3);
  if (instrument.kind === 'electric') t60 *= 1.2;
  let hfRatio = (steel ? rng.uniform(0.15, 0.5) : rng.uniform(0.02, 0.1)) * instrument.brightness * (wound ? 0.6 : 1);
  let levelDb = instrument.gainDb - 30 + 28 * velocity;
  let deadNote: DeadNoteParams | null = null;
  let barrier: NoteParams['barrier'] = null;
  let palmLowpassHz: number | null = null;
  if (variant === 'palm-mute') {
    // The palm takes a roughly fixed share of the energy per vibration, so a muted low string rings longer in
    // seconds than a muted high one (the low-E "chug"): scale with sqrt(period), 0.6x..1.6x around G3.
    t60 = rng.uniform(0.08, 0.4) * clamp(Math.sqrt(midiToHz(55) / midiToHz(midi)), 0.6, 1.6);
    hfRatio = rng.uniform(0.04, 0.2);
    levelDb -= rng.uniform(0, 4);
    palmLowpassHz = Math.max(rng.logUniform(700, 3000), midiToHz(midi) * 1.5);
  } else if (variant === 'dead-note') {
    t60 = rng.uniform(0.015, 0.06);
    hfRatio = rng.uniform(0.2, 0.6);
    levelDb -= rng.uniform(3, 10);
    deadNote = {
      stringLevel: rng.uniform(0.05, 0.5),
      thumpHz: rng.uniform(60, 180),
      thumpDecaySec: rng.uniform(0.006, 0.025),
      noiseCentreHz: rng.logUniform(600, 4000),
      noiseDecaySec: rng.uniform(0.004, 0.03),
      noiseLevel: rng.uniform(0.1, 0.7),
    };
  } else if (variant === 'fret-buzz') {
    barrier = { fromNut: rng.uniform(0.03, 0.17), heightRel: rng.uniform(0.05, 0.6), restitution: rng.uniform(0.5, 1), frets: rng.int(1, 3), roughness: rng.uniform(0.1, 0.5), rattle: rng.logUniform(1, 6) };
  }
  const t60High = Math.min(t60, t60 * hfRatio);
  const dispersion = clamp(instrument.stiffness * (wound ? 0.7 : 1) * (1 + fret / 24), 0, 0.6);
  return {
    label,
    variant,
    midi,
    f0: midiToHz(midi + instrument.tuningCents / 100),
    stringIndex,
    fret,
    wound,
    velocity,
    levelDb: Math.min(levelDb, -1),
    t60,
    t60High,
    highFreq: 3000,
    dispersion,
    dispersionStages: steel ? 2 : 1,
    pluckPosition,
    pickHardness,
    excitationNoise: rng.uniform(0.005, 0.06),
    barrier,
    deadNote,
    palmLowpassHz,
    instrument,
    onsetSec: PRE_ONSET_SECONDS,
    durationSec: CLIP_SECONDS,
    noiseSeed: rng.int(0, 0x7fffffff),
  };
}

/**
 * Renders the note without room and noise floor (string, dead-note extras, body/pickup, microphone),
 * scaled to the note's peak level, added into `out` from `start` for at most `length` samples.
 * Room and noise are linear and time-invariant, so a take applies them once to the whole mix.
 */
export function renderNoteDry(params: NoteParams, out: Float32Array, start: number, length: number, sampleRate = SAMPLE_RATE): void {
  const n = Math.min(length, out.length - start);
  if (n <= 0) return;
  const noiseRng = new Rng(params.noiseSeed);
  const noise = () => noiseRng.next();
  const dry = new Float32Array(n);
  const stringOut = renderString(
    {
      f0: params.f0,
      sampleRate,
      t60: params.t60,
      t60High: params.t60High,
      highFreq: params.highFreq,
      dispersion: params.dispersion,
      dispersionStages: params.dispersionStages,
      pluckPosition: params.pluckPosition,
      pickHardness: params.pickHardness,
      amplitude: 1,
      excitationNoise: params.excitationNoise,
      pickupPosition: params.instrument.pickupPosition,
      barrier: params.barrier,
    },
    dry,
    0,
    n,
    noise,
  );
  let active = stringOut.rendered;
  // What is heard is not the displacement: the bridge drives the body with a force that follows the string's
  // slope/velocity, and a magnetic pickup's voltage follows the string's velocity. Both are (close to) the time
  // derivative of the displacement, +6 dB/octave; without it every synthetic guitar sounds much duller than real ones.
  for (let i = active - 1; i > 0; i--) dry[i] -= dry[i - 1];
  if (params.palmLowpassHz !== null) {
    const lp = designBiquad({ kind: 'lowpass', freq: params.palmLowpassHz, q: 0.6 }, sampleRate);
    applyBiquad(dry, lp, 0, active);
  }
  const dead = params.deadNote;
  if (dead) {
    // Scale the string part down, then add a low thump (finger hitting the string/fretboard) and a noise burst.
    const sPeak = peakAbs(dry, 0, active) || 1;
    const sGain = dead.stringLevel / sPeak;
    for (let i = 0; i < active; i++) dry[i] *= sGain;
    const thumpLen = Math.min(n, Math.ceil(dead.thumpDecaySec * 7 * sampleRate));
    const w = (2 * Math.PI * dead.thumpHz) / sampleRate;
    const kT = Math.exp(-1 / (dead.thumpDecaySec * sampleRate));
    let env = 1;
    for (let i = 0; i < thumpLen; i++) {
      const attack = i < 40 ? i / 40 : 1;
      dry[i] += attack * env * Math.sin(w * i);
      env *= kT;
    }
    const burstLen = Math.min(n, Math.ceil(dead.noiseDecaySec * 7 * sampleRate));
    const burst = new Float32Array(burstLen);
    const kN = Math.exp(-1 / (dead.noiseDecaySec * sampleRate));
    env = dead.noiseLevel * 3;
    for (let i = 0; i < burstLen; i++) {
      burst[i] = env * (2 * noise() - 1);
      env *= kN;
    }
    applyBiquad(burst, designBiquad({ kind: 'bandpass', freq: dead.noiseCentreHz, q: 0.8 }, sampleRate));
    for (let i = 0; i < burstLen; i++) dry[i] += burst[i];
    active = Math.max(active, thumpLen, burstLen);
  }
  // Body / pickup resonances in parallel with the direct sound; they ring on a little after the string.
  const inst = params.instrument;
  const tail = Math.min(n, active + Math.round(0.15 * sampleRate));
  const colored = new Float32Array(n);
  for (let i = 0; i < tail; i++) colored[i] = 0.6 * dry[i];
  for (const mode of inst.bodyModes) {
    const c = designBiquad({ kind: 'bandpass', freq: mode.freq, q: mode.q }, sampleRate);
    addBiquad(dry, c, mode.gain, colored, 0, tail);
  }
  for (const d of inst.micEq) applyBiquad(colored, designBiquad(d, sampleRate), 0, tail);
  const peak = peakAbs(colored, 0, tail);
  if (peak === 0) return;
  const gain = dbToGain(params.levelDb) / peak;
  for (let i = 0; i < tail; i++) out[start + i] += gain * colored[i];
}

/** Adds the instrument's noise floor (hiss plus a darker room-tone component) at `floorDb` RMS dBFS. */
export function addNoiseFloor(x: Float32Array, floorDb: number, rng: Rng): void {
  const rms = dbToGain(floorDb);
  const white = rms * 0.8 * Math.sqrt(3); // uniform in [-1,1] has variance 1/3
  const brownGain = rms * 0.6;
  let brown = 0; // AR(1) with unit variance: darker "room tone" under the hiss
  for (let i = 0; i < x.length; i++) {
    const u = 2 * rng.next() - 1;
    brown = 0.995 * brown + 0.173 * (2 * rng.next() - 1);
    x[i] += white * u + brownGain * brown;
  }
}

/** Renders a note as a clip: `durationSec` long, attack at `onsetSec`, with room and noise floor. */
export function synthesizeNote(params: NoteParams, sampleRate = SAMPLE_RATE): Float32Array {
  if (!params || !isToneClass(params.label)) throw new TypeError('synthesizeNote: params must come from sampleNoteParams');
  const total = Math.round(params.durationSec * sampleRate);
  const start = Math.round(params.onsetSec * sampleRate);
  if (!(total > 0) || start < 0 || start >= total) throw new TypeError('synthesizeNote: onsetSec must lie inside durationSec');
  const out = new Float32Array(total);
  renderNoteDry(params, out, start, total - start, sampleRate);
  recordDryMix(out, params, sampleRate);
  return out;
}

/** What the recording adds to a dry mix whose main note is `params`: its instrument's room and noise floor (in place). */
export function recordDryMix(mix: Float32Array, params: NoteParams, sampleRate = SAMPLE_RATE): void {
  applyRoom(mix, params.instrument.room, sampleRate);
  addNoiseFloor(mix, params.instrument.noiseFloorDb, new Rng(params.noiseSeed ^ 0x5bd1e995));
}
