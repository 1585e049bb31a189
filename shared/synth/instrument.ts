/**
 * A synthetic "instrument": one guitar (string set, body or pickup) heard through one microphone in one room,
 * with one noise floor. Every clip of a dataset group shares an instrument, so splits by group test the
 * model on guitars, microphones and rooms it has never heard.
 */
import type { Rng } from '../rng';
import type { BiquadDesign } from './filters';
import type { RoomParams } from './room';

export type GuitarKind = 'classical' | 'acoustic-steel' | 'electric';
export type StringMaterial = 'nylon' | 'steel';
export type MicKind = 'phone' | 'laptop' | 'condenser' | 'dynamic' | 'di';

export const GUITAR_KINDS: readonly GuitarKind[] = ['classical', 'acoustic-steel', 'electric'];
export const MIC_KINDS: readonly MicKind[] = ['phone', 'laptop', 'condenser', 'dynamic', 'di'];

export interface BodyMode {
  freq: number;
  q: number;
  /** Linear gain of the mode's resonance added to the direct sound. */
  gain: number;
}

export interface InstrumentParams {
  kind: GuitarKind;
  material: StringMaterial;
  /** Multiplies every note's T60 (how long this guitar sustains). */
  sustain: number;
  /** Multiplies the high-frequency T60 ratio (bright new strings .. dull old strings). */
  brightness: number;
  /** Dispersion allpass coefficient for the lowest string (stiffness). */
  stiffness: number;
  /** Body resonances (acoustic guitars) or cabinet/amp colouring (electric). */
  bodyModes: BodyMode[];
  /** Electric pickup position as a fraction of the string from the bridge; null for acoustic guitars. */
  pickupPosition: number | null;
  mic: MicKind;
  /** The microphone (or pickup/amp) response as a filter chain. */
  micEq: BiquadDesign[];
  room: RoomParams;
  /** Noise floor RMS in dBFS (mic self-noise + room tone). */
  noiseFloorDb: number;
  /** Level offset of the whole instrument recording, dB (input gain). */
  gainDb: number;
  /** Tuning offset of the guitar in cents (a few cents: real guitars are never perfectly in tune). */
  tuningCents: number;
}

function micResponse(mic: MicKind, rng: Rng): BiquadDesign[] {
  switch (mic) {
    case 'phone':
      return [
        { kind: 'highpass', freq: rng.uniform(120, 350), q: 0.7 },
        { kind: 'peak', freq: rng.uniform(1800, 4000), q: rng.uniform(0.7, 2), gainDb: rng.uniform(2, 7) },
        { kind: 'lowpass', freq: rng.uniform(6500, 9500), q: 0.7 },
      ];
    case 'laptop':
      return [
        { kind: 'highpass', freq: rng.uniform(200, 500), q: 0.8 },
        { kind: 'peak', freq: rng.uniform(900, 3000), q: rng.uniform(1, 3), gainDb: rng.uniform(3, 9) },
        { kind: 'peak', freq: rng.uniform(3500, 6000), q: rng.uniform(2, 5), gainDb: rng.uniform(-8, -2) },
        { kind: 'lowpass', freq: rng.uniform(5500, 8000), q: 0.8 },
      ];
    case 'condenser':
      return [
        { kind: 'highpass', freq: rng.uniform(30, 80), q: 0.7 },
        { kind: 'highshelf', freq: rng.uniform(6000, 9000), q: 0.7, gainDb: rng.uniform(-1, 4) },
      ];
    case 'dynamic':
      return [
        { kind: 'highpass', freq: rng.uniform(70, 150), q: 0.7 },
        { kind: 'peak', freq: rng.uniform(3500, 6000), q: rng.uniform(0.8, 2), gainDb: rng.uniform(2, 6) },
        { kind: 'lowpass', freq: rng.uniform(9000, 10500), q: 0.7 },
      ];
    case 'di':
      return [{ kind: 'highpass', freq: rng.uniform(20, 60), q: 0.7 }];
  }
}

/** Samples one instrument (guitar + pickup/mic + room + noise floor). */
export function sampleInstrument(rng: Rng): InstrumentParams {
  const kind = rng.pick(GUITAR_KINDS);
  const material: StringMaterial = kind === 'classical' ? 'nylon' : 'steel';
  const bodyModes: BodyMode[] = [];
  let pickupPosition: number | null = null;
  let mic: MicKind;
  if (kind === 'electric') {
    pickupPosition = rng.uniform(0.04, 0.25); // bridge .. neck pickup
    // Pickup inductance + cable capacitance: one resonant peak; amp/cabinet: a broad mid bump.
    bodyModes.push({ freq: rng.uniform(2200, 5500), q: rng.uniform(1, 4), gain: rng.uniform(0.3, 1.5) });
    bodyModes.push({ freq: rng.uniform(400, 1200), q: rng.uniform(0.7, 1.5), gain: rng.uniform(0, 0.6) });
    mic = rng.pick(['di', 'di', 'dynamic', 'phone', 'condenser'] as MicKind[]);
  } else {
    // Helmholtz air mode, top-plate modes, then a few higher plate/back modes.
    bodyModes.push({ freq: rng.uniform(85, 125), q: rng.uniform(8, 25), gain: rng.uniform(0.5, 2) });
    bodyModes.push({ freq: rng.uniform(160, 240), q: rng.uniform(10, 30), gain: rng.uniform(0.5, 2) });
    const extra = rng.int(2, 4);
    for (let i = 0; i < extra; i++) {
      bodyModes.push({ freq: rng.logUniform(250, 1400), q: rng.uniform(8, 40), gain: rng.uniform(0.2, 1.2) });
    }
    mic = rng.pick(['phone', 'phone', 'laptop', 'condenser', 'dynamic'] as MicKind[]);
  }
  const micEq = micResponse(mic, rng);
  if (kind === 'electric') {
    // The guitar's tone knob (often rolled back a little) and, unless recorded direct, the amp's speaker cabinet:
    // a steep roll-off at 3-6 kHz with a presence peak below it.
    if (rng.chance(0.3)) micEq.unshift({ kind: 'lowpass', freq: rng.logUniform(2500, 8000), q: 0.7 });
    if (mic !== 'di') {
      micEq.push({ kind: 'peak', freq: rng.uniform(1500, 3000), q: rng.uniform(0.8, 2), gainDb: rng.uniform(0, 6) });
      const cabHz = rng.uniform(3000, 6000);
      micEq.push({ kind: 'lowpass', freq: cabHz, q: 0.8 }, { kind: 'lowpass', freq: cabHz, q: 0.8 });
    }
  }
  const closeMic = mic === 'di' ? true : rng.chance(0.3);
  const room: RoomParams = closeMic && mic === 'di'
    ? { rt60: rng.uniform(0.1, 0.4), wet: 0, size: 1, damping: 0.3 }
    : { rt60: rng.uniform(0.15, 1.1), wet: closeMic ? rng.uniform(0.02, 0.12) : rng.uniform(0.08, 0.45), size: rng.uniform(0.5, 1.6), damping: rng.uniform(0.1, 0.6) };
  const noiseFloorDb = mic === 'phone' || mic === 'laptop' ? rng.uniform(-72, -52) : rng.uniform(-90, -65);
  return {
    kind,
    material,
    sustain: rng.uniform(0.6, 1.5),
    // Old, dead strings (0.3) .. fresh ones (2).
    brightness: rng.logUniform(0.3, 2),
    stiffness: material === 'nylon' ? rng.uniform(0.02, 0.15) : rng.uniform(0.05, 0.3),
    bodyModes,
    pickupPosition,
    mic,
    micEq,
    room,
    noiseFloorDb,
    gainDb: rng.uniform(-8, 3),
    tuningCents: rng.uniform(-3, 3),
  };
}
