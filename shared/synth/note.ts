/**
 * One guitar note of a given class, synthesised from physically motivated parameters.
 *
 * - clean: the freely ringing waveguide string;
 * - muted: 'palm-mute' from light (still pitched, ~0.5 s of ring) to heavy (a dull thud), with the pick's
 *   bright attack damped within milliseconds, a share of them held at a dark level (SUSTAINED_PALM_*);
 *   'dead-note' (fretting-hand mute: a thump and a noise burst with little or no pitch, gone within ~150 ms);
 *   'damped' (a clean attack choked by a hand 0.03-0.12 s later);
 * - buzzy: the same full-level ringing string plus a rattle driven by its contact with a fret barrier (see
 *   waveguide.ts): pulses once per vibration while the swing reaches past the fret, high-passed and coloured by
 *   fret/neck resonances. It lasts the whole note ('full'), only the attack until the string clears the fret
 *   ('attack'), or starts as the string rings down onto the fret ('tail').
 * A share of clean and buzzy notes are short (stopped by the player after they rang, SHORT_NOTE_*) or decay in two
 * stages (TWO_STAGE_*).
 *
 * Then the body (resonant modes) or pickup, the microphone, the room and the noise floor of the instrument.
 * `sampleNoteParams` draws every choice from the Rng; `synthesizeNote` is a pure function of the parameters.
 */
import { CLIP_SECONDS, PRE_ONSET_SECONDS, SAMPLE_RATE, ToneClass, isToneClass } from '../constants';
import { Rng } from '../rng';
import { addBiquad, applyBiquad, dbToGain, designBiquad, peakAbs, rmsOf } from './filters';
import { InstrumentParams, sampleInstrument } from './instrument';
import { applyRoom } from './room';
import { BarrierParams, renderString, StringParams } from './waveguide';

export type NoteVariant = 'ring' | 'palm-mute' | 'dead-note' | 'damped' | 'fret-buzz';
export type BuzzExtent = 'full' | 'attack' | 'tail';

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

/** How the fret contact sounds (buzzy notes). */
export interface BuzzParams {
  extent: BuzzExtent;
  /** RMS of the rattle relative to the note's RMS while the string touches the fret, dB. */
  sizzleDb: number;
  /** The rattle's high-pass corner (two 2nd-order sections), Hz: the fret slap's energy is above 1-3 kHz. */
  highPassHz: number;
  /** Fret / neck resonances the slaps excite (band-passes added to the rattle; gain relative to it). */
  resonances: { freq: number; q: number; gain: number }[];
}

/** A note stopped by a hand after it started ringing (muted 'damped'). */
export interface DampingParams {
  /** When the hand touches the string, seconds after the attack. */
  atSec: number;
  /** Decay to -60 dB once touched, seconds. */
  t60: number;
}

/**
 * A guitar tone often decays in two stages: a loud prompt sound that dies within a fraction of a second (the
 * string's vibration across the top, strongly coupled to the bridge), then a quieter aftersound that rings on
 * (the vibration along the top). Applied as an envelope from the attack: plateau + (1 - plateau) * fast decay.
 */
export interface TwoStageDecayParams {
  /** Level the prompt sound decays to, dB re the attack. */
  plateauDb: number;
  /** T60 of the prompt sound, seconds. */
  fastT60: number;
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
  /** Buzzy only: the rattle the barrier contact makes. */
  buzz: BuzzParams | null;
  deadNote: DeadNoteParams | null;
  /** Palm mute only: the palm resting near the bridge absorbs the upper partials (low-pass corner, Hz)... */
  palmLowpassHz: number | null;
  /** ...but only after the pick's bright attack, which fades over this time constant (s). */
  palmAttackSec: number | null;
  /** Muted 'damped', and short clean or buzzy notes. */
  damping: DampingParams | null;
  /** Clean and buzzy only: a fast first decay down to a plateau the note then rings on at (see TWO_STAGE_*). */
  twoStageDecay: TwoStageDecayParams | null;
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

/** Muted sub-variants: palm mutes are the most common muted notes, then dead notes, then damped ringing notes. */
export const MUTED_VARIANT_SHARES = { 'palm-mute': 0.55, 'dead-note': 0.25, damped: 0.2 } as const;
/** Palm-mute T60 at G3: heavy (thud) .. light (still rings ~0.5 s above -20 dB), log-uniform in between; at most `max` on any string. */
export const PALM_T60_SEC = { heavy: 0.12, light: 2, max: 1.5 } as const;
/** Palm-mute low-pass corner for the heaviest mute (log-uniform; x1..x2.5 towards the lightest), 24 dB/octave. */
export const PALM_LOWPASS_HZ = { min: 400, max: 1200 } as const;
/**
 * Share of palm mutes that sustain, and their T60 (s, log-uniform). Through a compressor or a high-gain amp a
 * palm-muted note is held at level for a second or more (the sustained "chug"): the palm still takes the upper
 * partials (corner at most PALM_LOWPASS_HZ.max), only the decay is long. Sampled muted-guitar patches played with
 * a held key sound like this too; without these notes a model hears every sustained note as clean.
 */
export const SUSTAINED_PALM_SHARE = 0.3;
export const SUSTAINED_PALM_T60_SEC = { min: 2, max: 8 } as const;
/** Share of the noise floor's RMS that is hiss (the rest is darker room tone), uniform. */
export const NOISE_FLOOR_HISS_SHARE = { min: 0.05, max: 0.5 } as const;
/**
 * When a muted 'damped' note is choked after its attack (log-uniform), seconds. A note the hand stops later has
 * been heard ringing with its own tone first: the original project's recordings label such notes by that tone
 * (gl_clean_short9, stopped ~0.25 s after its attack, is clean; gu_buzzy_short9, ~0.45 s, is buzzy), so those are
 * short clean or buzzy notes (SHORT_NOTE_*), not muted ones.
 */
export const DAMPED_AT_SEC = { min: 0.03, max: 0.12 } as const;
/** Share of clean and buzzy notes that the player stops after they rang (staccato, or the next chord shape). */
export const SHORT_NOTE_SHARE = 0.25;
/** When a short clean or buzzy note is stopped (log-uniform), seconds after the attack; a tail buzz is heard first. */
export const SHORT_NOTE_STOP_SEC = { min: 0.15, max: 0.6 } as const;
/**
 * A short buzzy note with a tail buzz is stopped no earlier than this after the buzz starts: the contact builds up
 * over 0.3 s (waveguide.ts), then is heard for 0.2 s.
 */
const SHORT_NOTE_TAIL_BUZZ_SEC = 0.5;
/**
 * Share of clean and buzzy notes with a two-stage decay, its plateau (dB re the attack, uniform) and the prompt
 * sound's T60 (s, log-uniform). Recorded clean notes often fall 15-25 dB within 0.3 s and ring on quietly (the
 * shared real clean clips: body -14 dB re the attack, -20 dB after 0.27 s; one-stage synth clean notes: -6 dB, 1.0 s).
 */
export const TWO_STAGE_SHARE = 0.35;
export const TWO_STAGE_PLATEAU_DB = { min: -28, max: -8 } as const;
export const TWO_STAGE_FAST_T60_SEC = { min: 0.25, max: 1 } as const;
/** Decay to -60 dB once a hand touches the string (damped and short notes), seconds (uniform). */
const STOP_T60_SEC = { min: 0.04, max: 0.25 } as const;
/** Buzz lasting the whole contact, only the attack, or only the tail. */
export const BUZZ_EXTENT_SHARES = { full: 0.55, attack: 0.25, tail: 0.2 } as const;
/** Rattle RMS relative to the note while in contact, dB (uniform): barely audible .. loud sizzle. */
export const BUZZ_SIZZLE_DB = { min: -28, max: -10 } as const;
/** ...but at least this rise of the note's own 2-8 kHz band while in contact (on bright, high notes), dB. */
export const BUZZ_MIN_BAND_RISE_DB = 6;
/** Tail buzzes sit this much lower (dB). */
export const BUZZ_TAIL_OFFSET_DB = -4;
/** Largest rattle sample relative to the note's current peak level. */
const RATTLE_CEILING = 0.5;

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
  /** Buzzy only: force how long the buzz lasts. */
  buzzExtent?: BuzzExtent;
  /** Clean and buzzy only: force a short note (true) or a freely ringing one (false); default drawn (SHORT_NOTE_SHARE). */
  shortNote?: boolean;
  /** Clean and buzzy only: force a two-stage decay (true) or a one-stage one (false); default drawn (TWO_STAGE_SHARE). */
  twoStageDecay?: boolean;
  /** Palm mutes only: force a sustained mute (true) or a decaying one (false); default drawn (SUSTAINED_PALM_SHARE). */
  sustainedPalmMute?: boolean;
}

/** A palm's low-pass corner, never below 1.5 f0: the muted note keeps its fundamental. */
function palmCornerHz(cornerHz: number, midi: number): number {
  return Math.max(cornerHz, midiToHz(midi) * 1.5);
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
  else {
    const u = rng.next();
    variant = u < MUTED_VARIANT_SHARES['palm-mute'] ? 'palm-mute' : u < MUTED_VARIANT_SHARES['palm-mute'] + MUTED_VARIANT_SHARES['dead-note'] ? 'dead-note' : 'damped';
  }
  const expected: Record<ToneClass, NoteVariant[]> = { clean: ['ring'], buzzy: ['fret-buzz'], muted: ['palm-mute', 'dead-note', 'damped'] };
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
  let buzz: BuzzParams | null = null;
  let palmLowpassHz: number | null = null;
  let palmAttackSec: number | null = null;
  let damping: DampingParams | null = null;
  if (variant === 'palm-mute') {
    // From light (still pitched, ~0.5 s of ring, brighter) to heavy (a dull thud): one severity drives decay and
    // brightness. The palm takes a roughly fixed share of the energy per vibration, so a muted low string rings
    // longer in seconds than a muted high one (the low-E "chug"): scale with sqrt(period), 0.6x..1.6x around G3.
    const lightness = rng.next();
    t60 = PALM_T60_SEC.heavy * Math.pow(PALM_T60_SEC.light / PALM_T60_SEC.heavy, lightness) * rng.uniform(0.8, 1.25)
      * clamp(Math.sqrt(midiToHz(55) / midiToHz(midi)), 0.6, 1.6);
    t60 = Math.min(t60, PALM_T60_SEC.max);
    hfRatio = rng.uniform(0.04, 0.2);
    levelDb -= rng.uniform(0, 4);
    palmLowpassHz = palmCornerHz(rng.logUniform(PALM_LOWPASS_HZ.min, PALM_LOWPASS_HZ.max) * (1 + 1.5 * lightness), midi);
    palmAttackSec = rng.uniform(0.001, 0.006);
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
  } else if (variant === 'damped') {
    damping = { atSec: rng.logUniform(DAMPED_AT_SEC.min, DAMPED_AT_SEC.max), t60: rng.uniform(STOP_T60_SEC.min, STOP_T60_SEC.max) };
  } else if (variant === 'fret-buzz') {
    const u = rng.next();
    const extent: BuzzExtent = options.buzzExtent
      ?? (u < BUZZ_EXTENT_SHARES.full ? 'full' : u < BUZZ_EXTENT_SHARES.full + BUZZ_EXTENT_SHARES.attack ? 'attack' : 'tail');
    // 'attack': only the first, widest swings touch; the string clears the fret 0.06-0.35 s after the attack.
    // 'tail': the fret sits close to the rest position, so the decaying string still reaches it after the
    // 0.3 s the contact takes to build up.
    const heightRel = extent === 'attack' ? rng.uniform(0.3, 0.8) : extent === 'tail' ? rng.uniform(0.02, 0.12) : rng.uniform(0.03, 0.35);
    const startSec = extent === 'tail' ? rng.uniform(0.25, 0.8) : 0;
    const clearSec = extent === 'attack' ? rng.uniform(0.06, 0.35) : null;
    barrier = { fromNut: rng.uniform(0.03, 0.17), heightRel, frets: rng.int(1, 3), roughness: rng.uniform(0.2, 0.9), startSec, clearSec };
    const resonances = Array.from({ length: rng.int(0, 2) }, () => ({ freq: rng.logUniform(2000, 7000), q: rng.uniform(2, 8), gain: rng.uniform(0.5, 2) }));
    // A tail buzz rides on a note whose own upper partials have died away: it is heard at a lower level.
    const sizzleDb = rng.uniform(BUZZ_SIZZLE_DB.min, BUZZ_SIZZLE_DB.max) + (extent === 'tail' ? BUZZ_TAIL_OFFSET_DB : 0);
    buzz = { extent, sizzleDb, highPassHz: rng.logUniform(1200, 3500), resonances };
  }
  if ((options.shortNote !== undefined || options.twoStageDecay !== undefined) && label === 'muted') {
    throw new TypeError('sampleNoteParams: shortNote and twoStageDecay are for clean and buzzy notes');
  }
  if (options.sustainedPalmMute !== undefined && variant !== 'palm-mute') {
    throw new TypeError('sampleNoteParams: sustainedPalmMute is for palm mutes');
  }
  const t60High = Math.min(t60, t60 * hfRatio);
  const dispersion = clamp(instrument.stiffness * (wound ? 0.7 : 1) * (1 + fret / 24), 0, 0.6);
  const params: NoteParams = {
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
    buzz,
    deadNote,
    palmLowpassHz,
    palmAttackSec,
    damping,
    instrument,
    onsetSec: PRE_ONSET_SECONDS,
    durationSec: CLIP_SECONDS,
    noiseSeed: rng.int(0, 0x7fffffff),
    twoStageDecay: null,
  };
  // Drawn last, so every other parameter of the note is what it would be without short notes, two-stage decay and
  // sustained palm mutes.
  if (label !== 'muted' && (options.shortNote ?? rng.chance(SHORT_NOTE_SHARE))) {
    const buzzFrom = barrier && buzz?.extent === 'tail' ? barrier.startSec + SHORT_NOTE_TAIL_BUZZ_SEC : 0;
    params.damping = {
      atSec: Math.max(rng.logUniform(SHORT_NOTE_STOP_SEC.min, SHORT_NOTE_STOP_SEC.max), buzzFrom),
      t60: rng.uniform(STOP_T60_SEC.min, STOP_T60_SEC.max),
    };
  }
  if (label !== 'muted' && (options.twoStageDecay ?? rng.chance(TWO_STAGE_SHARE))) {
    params.twoStageDecay = {
      plateauDb: rng.uniform(TWO_STAGE_PLATEAU_DB.min, TWO_STAGE_PLATEAU_DB.max),
      fastT60: rng.logUniform(TWO_STAGE_FAST_T60_SEC.min, TWO_STAGE_FAST_T60_SEC.max),
    };
  }
  if (variant === 'palm-mute' && (options.sustainedPalmMute ?? rng.chance(SUSTAINED_PALM_SHARE))) {
    const t60Sustained = rng.logUniform(SUSTAINED_PALM_T60_SEC.min, SUSTAINED_PALM_T60_SEC.max);
    params.t60High *= t60Sustained / params.t60;
    params.t60 = t60Sustained;
    params.palmLowpassHz = palmCornerHz(Math.min(params.palmLowpassHz!, PALM_LOWPASS_HZ.max), midi);
  }
  return params;
}

/** The per-sample gain of an exponential decay that falls 60 dB in `t60Sec`. */
function decayPerSample(t60Sec: number, sampleRate: number): number {
  return Math.pow(10, -3 / (t60Sec * sampleRate));
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
  const contact = params.barrier && params.buzz ? new Float32Array(n) : undefined;
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
    contact,
  );
  let active = stringOut.rendered;
  // What is heard is not the displacement: the bridge drives the body with a force that follows the string's
  // slope/velocity, and a magnetic pickup's voltage follows the string's velocity. Both are (close to) the time
  // derivative of the displacement, +6 dB/octave; without it every synthetic guitar sounds much duller than real ones.
  for (let i = active - 1; i > 0; i--) dry[i] -= dry[i - 1];
  if (contact && params.buzz) addRattle(dry, contact, params.buzz, active, sampleRate);
  if (params.palmLowpassHz !== null) {
    // The pick excites every partial; the palm absorbs the upper ones within milliseconds: the unfiltered
    // residual fades with palmAttackSec, the low-passed note stays.
    const lp = dry.slice(0, active);
    const palm = designBiquad({ kind: 'lowpass', freq: params.palmLowpassHz, q: 0.6 }, sampleRate);
    applyBiquad(lp, palm);
    applyBiquad(lp, palm);
    const k = params.palmAttackSec ? Math.exp(-1 / (params.palmAttackSec * sampleRate)) : 0;
    let w = 1;
    for (let i = 0; i < active; i++) {
      dry[i] = lp[i] + w * (dry[i] - lp[i]);
      w *= k;
    }
  }
  if (params.twoStageDecay) {
    const plateau = dbToGain(params.twoStageDecay.plateauDb);
    const k = decayPerSample(params.twoStageDecay.fastT60, sampleRate);
    let fast = 1;
    for (let i = 0; i < active; i++) {
      dry[i] *= plateau + (1 - plateau) * fast;
      fast *= k;
    }
  }
  if (params.damping) {
    // A hand lands on the ringing string: from then on it decays at the damping T60 (with a 5 ms touch).
    const at = Math.round(params.damping.atSec * sampleRate);
    const touch = Math.max(1, Math.round(0.005 * sampleRate));
    const k = decayPerSample(params.damping.t60, sampleRate);
    let g = 1;
    for (let i = at; i < active; i++) {
      g *= i - at < touch ? Math.pow(k, (i - at) / touch) : k;
      dry[i] *= g;
    }
    active = Math.min(active, at + Math.ceil(1.7 * params.damping.t60 * sampleRate));
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

/**
 * The rattle of a string slapping a fret: the contact pulses (one per vibration while the swing reaches past the
 * fret) with their roughness, high-passed above the fret slap's corner, plus the fret/neck resonances they excite,
 * scaled to `buzz.sizzleDb` relative to the note's RMS over the span in contact. Added to `dry`, so the note keeps
 * its level and the sizzle follows its envelope.
 */
function addRattle(dry: Float32Array, contact: Float32Array, buzz: BuzzParams, active: number, sampleRate: number): void {
  let first = -1, last = -1;
  for (let i = 0; i < active; i++) {
    if (contact[i] !== 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return;
  const end = Math.min(active, last + Math.round(0.02 * sampleRate));
  const rattle = contact.slice(0, end);
  const hp = designBiquad({ kind: 'highpass', freq: buzz.highPassHz, q: 0.7 }, sampleRate);
  applyBiquad(rattle, hp);
  applyBiquad(rattle, hp);
  const coloured = rattle.slice();
  for (const r of buzz.resonances) addBiquad(rattle, designBiquad({ kind: 'bandpass', freq: r.freq, q: r.q }, sampleRate), r.gain, coloured);
  const noteRms = rmsOf(dry, first, end);
  const rattleRms = rmsOf(coloured, first, end);
  if (!(rattleRms > 0) || !(noteRms > 0)) return;
  // A buzz is heard: on a bright note the rattle must still lift the note's own 2-8 kHz band by a few dB.
  const band = dry.slice(first, end);
  const bandHp = designBiquad({ kind: 'highpass', freq: 2000, q: 0.7 }, sampleRate);
  applyBiquad(band, bandHp);
  applyBiquad(band, bandHp);
  const minRms = rmsOf(band) * Math.sqrt(Math.pow(10, BUZZ_MIN_BAND_RISE_DB / 10) - 1);
  const g = Math.max(dbToGain(buzz.sizzleDb) * noteRms, minRms) / rattleRms;
  // Never a click that outweighs the note (it would set the clip's peak and turn the note into a quiet tail):
  // each rattle sample stays under RATTLE_CEILING x the note's current peak (10 ms release follower).
  const release = Math.exp(-1 / (0.01 * sampleRate));
  let follower = 0;
  for (let i = 0; i < end; i++) {
    const a = dry[i] < 0 ? -dry[i] : dry[i];
    follower = a > follower ? a : release * follower;
    const ceiling = RATTLE_CEILING * follower;
    const r = g * coloured[i];
    dry[i] += r > ceiling ? ceiling : r < -ceiling ? -ceiling : r;
  }
}

/**
 * Adds the instrument's noise floor (hiss plus a darker room-tone component) at `floorDb` RMS dBFS. The hiss share
 * of the RMS is drawn per call (0.05..0.5): recorded floors range from mostly room tone to mostly hiss. (A fixed 0.8
 * made every synthetic floor hiss-dominated, 2-8 kHz ~3 dB above 80-2000 Hz, where the real clips measure ~-13 dB.)
 */
export function addNoiseFloor(x: Float32Array, floorDb: number, rng: Rng): void {
  const rms = dbToGain(floorDb);
  const hiss = NOISE_FLOOR_HISS_SHARE.min + (NOISE_FLOOR_HISS_SHARE.max - NOISE_FLOOR_HISS_SHARE.min) * rng.next();
  const white = rms * hiss * Math.sqrt(3); // uniform in [-1,1] has variance 1/3
  const brownGain = rms * Math.sqrt(1 - hiss * hiss);
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
