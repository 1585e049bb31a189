/**
 * Generated clips that are NOT single notes — silence, dither, mains hum, hiss, room tone, chords, handling
 * clicks — and the single notes (quiet, muted, attacked at sample 0) they must be told apart from, for choosing
 * and testing the "not a note" thresholds (scripts/no-note-thresholds.ts, tests).
 * Every clip is CLIP_SAMPLES long at SAMPLE_RATE and fully determined by the Rng.
 */
import { CLASSES, CLIP_SAMPLES, SAMPLE_RATE } from '../constants';
import { Rng } from '../rng';
import { applyBiquad, dbToGain, designBiquad, rmsOf } from './filters';
import { sampleInstrument } from './instrument';
import { mixNotesDry, ScheduledNote } from './mix';
import { augmentClip } from './augment';
import { addNoiseFloor, NoteVariant, OPEN_STRINGS, recordDryMix, sampleNoteParams, synthesizeNote } from './note';

export const NON_NOTE_KINDS = ['silence', 'dither', 'hum', 'hiss', 'room-tone', 'chord', 'clicks'] as const;
export type NonNoteKind = (typeof NON_NOTE_KINDS)[number];

function scaleToRms(x: Float32Array, rmsDb: number): Float32Array {
  const gain = dbToGain(rmsDb) / (rmsOf(x) || 1);
  for (let i = 0; i < x.length; i++) x[i] *= gain;
  return x;
}

function whiteNoise(rng: Rng, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 2 * rng.next() - 1;
  return x;
}

/** Mains hum: the fundamental and two harmonics with random weights. */
function hum(rng: Rng, n: number): Float32Array {
  const mains = rng.pick([50, 60]);
  const weights = [1, rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.6)];
  const phase = rng.uniform(0, 2 * Math.PI);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * mains * i) / SAMPLE_RATE + phase;
    x[i] = weights[0] * Math.sin(t) + weights[1] * Math.sin(2 * t) + weights[2] * Math.sin(3 * t);
  }
  return x;
}

/** One clip of `kind`. */
export function generateNonNote(kind: NonNoteKind, rng: Rng): Float32Array {
  const n = CLIP_SAMPLES;
  switch (kind) {
    case 'silence':
      return new Float32Array(n);
    case 'dither':
      return scaleToRms(whiteNoise(rng, n), rng.uniform(-100, -80));
    case 'hum': {
      const x = scaleToRms(hum(rng, n), rng.uniform(-55, -20));
      addNoiseFloor(x, rng.uniform(-90, -60), rng);
      return x;
    }
    case 'hiss': {
      const x = whiteNoise(rng, n);
      applyBiquad(x, designBiquad({ kind: 'highpass', freq: rng.uniform(500, 2000), q: 0.7 }, SAMPLE_RATE));
      return scaleToRms(x, rng.uniform(-70, -25));
    }
    case 'room-tone': {
      const x = whiteNoise(rng, n);
      applyBiquad(x, designBiquad({ kind: 'lowpass', freq: rng.uniform(150, 800), q: 0.7 }, SAMPLE_RATE));
      return scaleToRms(x, rng.uniform(-70, -25));
    }
    case 'chord': {
      // 3-6 strings strummed within 10-40 ms, each a ringing note of the same guitar.
      const instrument = sampleInstrument(rng);
      const strings = rng.int(3, 6);
      const first = rng.int(0, 6 - strings);
      const strum = rng.uniform(0.01, 0.04) * SAMPLE_RATE;
      const start = Math.round(rng.uniform(0.05, 0.3) * SAMPLE_RATE);
      const notes: ScheduledNote[] = [];
      for (let s = first; s < first + strings; s++) {
        const params = sampleNoteParams({ label: 'clean', rng, instrument, stringIndex: s, midi: OPEN_STRINGS[s] + rng.int(0, 4) });
        notes.push({ params, onsetSample: start + Math.round(((s - first) * strum) / strings) });
      }
      const mix = mixNotesDry(notes, n);
      recordDryMix(mix, notes[0].params);
      return mix;
    }
    case 'clicks': {
      // Handling noise: 1-3 broadband ticks (0.5-4 ms) over the mic's noise floor.
      const x = new Float32Array(n);
      addNoiseFloor(x, rng.uniform(-85, -55), rng);
      const count = rng.int(1, 3);
      for (let k = 0; k < count; k++) {
        const at = rng.int(0, n - 200);
        const decay = rng.uniform(0.0005, 0.004) * SAMPLE_RATE;
        const amp = dbToGain(rng.uniform(-40, -6));
        for (let i = 0; at + i < n && i < decay * 8; i++) x[at + i] += amp * Math.exp(-i / decay) * (2 * rng.next() - 1);
      }
      return x;
    }
  }
}

/** A quiet note still stands this far above its microphone's noise floor (peak over RMS floor), so it is audible. */
export const QUIET_MIN_SNR_DB = 20;

/** A single note (augmented like training clips): any class, or a forced variant; quiet; or attacked at sample 0. */
export function generateNoteClip(rng: Rng, options: { variant?: NoteVariant; quiet?: boolean; atZero?: boolean }): Float32Array {
  const label = options.variant === 'palm-mute' || options.variant === 'dead-note' ? 'muted' : rng.pick(CLASSES);
  const params = sampleNoteParams({ label, rng, variant: options.variant });
  let levelDb = params.levelDb;
  // Quiet: played softly / far from the mic, 10-30 dB down but at least QUIET_MIN_SNR_DB over the mic's noise floor.
  if (options.quiet) levelDb = Math.max(params.instrument.noiseFloorDb + QUIET_MIN_SNR_DB, params.levelDb - rng.uniform(10, 30));
  const note = { ...params, levelDb: Math.min(params.levelDb, levelDb), onsetSec: options.atZero ? 0 : params.onsetSec };
  const clip = synthesizeNote(note);
  // The gain step of the augmentation would undo the quietness.
  return augmentClip(clip, { rng, onsetSample: Math.round(note.onsetSec * SAMPLE_RATE), probabilities: options.quiet ? { gain: 0 } : {} }).samples;
}
