/**
 * Mixing several notes of one guitar into one dry signal, the way they ring on a real instrument:
 * a note rings on under notes played on other strings, and stops (5 ms crossfade) when the next note
 * on its own string starts (restrike, hammer-on, pull-off). Used by synthetic takes and by training
 * clips that carry neighbouring notes. Room and noise floor are applied by the caller, once, to the mix.
 */
import { SAMPLE_RATE } from '../constants';
import { NoteParams, renderNoteDry } from './note';

export interface ScheduledNote {
  params: NoteParams;
  /** Sample index of the note's attack in the mix; may be negative (started before the mix begins). */
  onsetSample: number;
}

/** Crossfade when the next note on the same string takes over. */
const STRING_HANDOVER_SEC = 0.005;

/** How long a freely ringing note is rendered: long enough to fall well under any noise floor. */
export function naturalLengthSamples(params: NoteParams, sampleRate: number): number {
  return Math.ceil((1.7 * Math.max(params.t60, 0.2) + 0.3) * sampleRate);
}

/** Dry mix of `notes` (any order) into a new buffer of `total` samples. */
export function mixNotesDry(notes: readonly ScheduledNote[], total: number, sampleRate = SAMPLE_RATE): Float32Array {
  if (!Number.isInteger(total) || total < 1) throw new TypeError(`mixNotesDry: total must be a positive integer, got ${total}`);
  const ordered = [...notes].sort((a, b) => a.onsetSample - b.onsetSample);
  const mix = new Float32Array(total);
  const fade = Math.round(STRING_HANDOVER_SEC * sampleRate);
  for (let k = 0; k < ordered.length; k++) {
    const { params, onsetSample } = ordered[k];
    if (!Number.isInteger(onsetSample)) throw new TypeError(`mixNotesDry: onsetSample must be an integer, got ${onsetSample}`);
    if (onsetSample >= total) continue;
    const next = ordered.slice(k + 1).find((n) => n.params.stringIndex === params.stringIndex);
    const end = next ? Math.min(total, next.onsetSample + fade) : total;
    const natural = naturalLengthSamples(params, sampleRate);
    const length = Math.min(end - onsetSample, natural);
    if (length <= 0 || onsetSample + length <= 0) continue;
    const buf = new Float32Array(length);
    renderNoteDry(params, buf, 0, length, sampleRate);
    if (next && end - onsetSample <= natural && end < total) {
      for (let i = 0; i < fade && length - 1 - i >= 0; i++) buf[length - 1 - i] *= i / fade;
    }
    for (let i = Math.max(0, -onsetSample); i < length; i++) mix[onsetSample + i] += buf[i];
  }
  return mix;
}
