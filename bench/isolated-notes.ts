/**
 * Isolated generated notes for the robustness benches (noise-floor.ts, onset-position.ts): each class's notes
 * rendered dry and through their room (no neighbours, no noise yet), onset at PRE_ONSET_SECONDS. Seeded, generated
 * only, so any model may be chosen on what these benches measure.
 */
import { CLASSES, SAMPLE_RATE, ToneClass } from '../shared/constants';
import { Rng } from '../shared/rng';
import { renderNoteDry, sampleNoteParams } from '../shared/synth/note';
import { applyRoom } from '../shared/synth/room';

export interface IsolatedNote {
  label: ToneClass;
  samples: Float32Array;
}

export function renderIsolatedNotes(perClass: number, seed: number): IsolatedNote[] {
  const rng = new Rng(seed);
  const notes: IsolatedNote[] = [];
  for (const label of CLASSES) {
    for (let i = 0; i < perClass; i++) {
      const params = sampleNoteParams({ label, rng: rng.fork(notes.length) });
      const start = Math.round(params.onsetSec * SAMPLE_RATE);
      const samples = new Float32Array(Math.round(params.durationSec * SAMPLE_RATE));
      renderNoteDry(params, samples, start, samples.length - start);
      applyRoom(samples, params.instrument.room, SAMPLE_RATE);
      notes.push({ label, samples });
    }
  }
  return notes;
}
