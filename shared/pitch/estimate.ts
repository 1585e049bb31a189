/**
 * Fundamental frequency of one note: YIN (de Cheveigné & Kawahara 2002) — difference function,
 * cumulative mean normalised difference (CMND), absolute threshold with the first dip, parabolic interpolation.
 * The CMND value at the chosen lag is the aperiodicity: above `maxAperiodicity` (muted/dead notes, noise)
 * the note has no pitch and we return null rather than guess.
 */
import { SAMPLE_RATE } from '../constants';
import { hzToMidiFloat, midiToName } from './notes';

export interface NotePitch {
  hz: number;
  midi: number;
  name: string;
}

export interface PitchOptions {
  sampleRate?: number;
  /** Lowest/highest fundamental searched (guitar in standard tuning: E2 82 Hz … ~E6 1319 Hz). */
  fMinHz?: number;
  fMaxHz?: number;
  /** Seconds skipped at the start of the segment (the pick transient is not periodic). */
  skipSec?: number;
  /** Longest analysed stretch, seconds. */
  maxSec?: number;
  /** Samples per YIN frame. */
  frameSize?: number;
  /** YIN absolute threshold on the CMND. */
  threshold?: number;
  /** Above this CMND at the chosen lag the note is called unpitched. */
  maxAperiodicity?: number;
}

export const PITCH_DEFAULTS = {
  fMinHz: 70,
  fMaxHz: 1400,
  skipSec: 0.04,
  maxSec: 0.5,
  frameSize: 1024,
  threshold: 0.15,
  maxAperiodicity: 0.3,
} as const;

export interface PitchEstimate {
  pitch: NotePitch | null;
  /** CMND at the chosen lag (0 = perfectly periodic); NaN when the segment was too short. */
  aperiodicity: number;
}

/** Up to this many YIN frames, spread over the analysed stretch, are averaged. */
const MAX_FRAMES = 3;

export function estimatePitchDetailed(segment: Float32Array, options: PitchOptions = {}): PitchEstimate {
  if (!(segment instanceof Float32Array)) throw new TypeError('estimatePitch: segment must be a Float32Array');
  const sr = options.sampleRate ?? SAMPLE_RATE;
  const o = { ...PITCH_DEFAULTS, ...options };
  if (!(o.fMinHz > 0 && o.fMaxHz > o.fMinHz)) throw new TypeError(`estimatePitch: invalid range ${o.fMinHz}–${o.fMaxHz} Hz`);
  const tauMin = Math.max(2, Math.floor(sr / o.fMaxHz));
  const tauMax = Math.ceil(sr / o.fMinHz);
  const w = o.frameSize;
  const start = Math.min(Math.round(o.skipSec * sr), segment.length);
  const end = Math.min(segment.length, start + Math.round(o.maxSec * sr));
  const span = end - start;
  if (span < w + tauMax + 1) {
    // Short notes: shrink the frame to what fits, but keep at least two periods of the lowest note.
    if (span < 2 * tauMax + 2) return { pitch: null, aperiodicity: NaN };
  }
  const frameLen = Math.min(w, span - tauMax - 1);
  const nFrames = Math.max(1, Math.min(MAX_FRAMES, Math.floor((span - tauMax - 1) / frameLen)));
  const stride = nFrames > 1 ? Math.floor((span - tauMax - 1 - frameLen) / (nFrames - 1)) : 0;
  // Difference function summed over frames (frames of one note share the period).
  const diff = new Float64Array(tauMax + 2);
  let energy = 0;
  for (let f = 0; f < nFrames; f++) {
    const s0 = start + f * stride;
    for (let j = 0; j < frameLen; j++) energy += segment[s0 + j] * segment[s0 + j];
    for (let tau = 1; tau <= tauMax + 1; tau++) {
      let acc = 0;
      for (let j = 0; j < frameLen; j++) {
        const d = segment[s0 + j] - segment[s0 + j + tau];
        acc += d * d;
      }
      diff[tau] += acc;
    }
  }
  if (!(energy > 1e-10 * frameLen * nFrames)) return { pitch: null, aperiodicity: 1 };
  // Cumulative mean normalised difference.
  const cmnd = new Float64Array(tauMax + 2);
  cmnd[0] = 1;
  let running = 0;
  for (let tau = 1; tau <= tauMax + 1; tau++) {
    running += diff[tau];
    cmnd[tau] = running > 0 ? (diff[tau] * tau) / running : 1;
  }
  // First dip below the threshold (walk down to its local minimum); else the global minimum.
  let best = -1;
  for (let tau = tauMin; tau <= tauMax; tau++) {
    if (cmnd[tau] < o.threshold) {
      while (tau + 1 <= tauMax && cmnd[tau + 1] < cmnd[tau]) tau++;
      best = tau;
      break;
    }
  }
  if (best < 0) {
    best = tauMin;
    for (let tau = tauMin + 1; tau <= tauMax; tau++) if (cmnd[tau] < cmnd[best]) best = tau;
  }
  const aperiodicity = cmnd[best];
  if (aperiodicity > o.maxAperiodicity) return { pitch: null, aperiodicity };
  // Parabolic interpolation around the dip (on the raw difference, as YIN step 5).
  let period = best;
  if (best > 1 && best <= tauMax) {
    const a = cmnd[best - 1];
    const b = cmnd[best];
    const c = cmnd[best + 1];
    const denom = a - 2 * b + c;
    if (denom > 0) period = best + (0.5 * (a - c)) / denom;
  }
  const hz = sr / period;
  if (!(hz >= o.fMinHz * 0.97 && hz <= o.fMaxHz * 1.03)) return { pitch: null, aperiodicity };
  const midi = Math.round(hzToMidiFloat(hz));
  return { pitch: { hz, midi, name: midiToName(midi) }, aperiodicity };
}

/** The note's fundamental, or null when the segment has no clear pitch (muted/dead notes, noise, too short). */
export function estimatePitch(segment: Float32Array, options: PitchOptions = {}): NotePitch | null {
  return estimatePitchDetailed(segment, options).pitch;
}
