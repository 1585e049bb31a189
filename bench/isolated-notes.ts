/**
 * Isolated generated notes for the robustness benches (noise-floor.ts, onset-position.ts): each class's notes
 * rendered dry and through their room (no neighbours, no noise yet), onset at PRE_ONSET_SECONDS. Seeded, generated
 * only, so any model may be chosen on what these benches measure.
 */
import { ClipClassifier } from '../shared/classifier';
import { CLASSES, SAMPLE_RATE, ToneClass } from '../shared/constants';
import { EvaluationReport, evaluatePredictions } from '../shared/model/evaluate';
import { Rng } from '../shared/rng';
import { addNoiseFloor, renderNoteDry, sampleNoteParams } from '../shared/synth/note';
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

/**
 * Each note as `place` makes it (default: a copy), given a noise floor of `floorDb` dBFS (seeded per note, the same
 * noise for every model and condition), classified and scored against its class.
 */
export async function scoreIsolatedNotes(
  classifier: ClipClassifier,
  notes: readonly IsolatedNote[],
  options: { floorDb: number; seed: number; place?: (samples: Float32Array) => Float32Array },
): Promise<EvaluationReport> {
  const place = options.place ?? ((samples: Float32Array) => samples.slice());
  const clips = notes.map((n, i) => {
    const x = place(n.samples);
    addNoiseFloor(x, options.floorDb, new Rng(options.seed * 1000 + i));
    return x;
  });
  const probs = await classifier.classifyClips(clips);
  return evaluatePredictions({ labels: notes.map((n) => CLASSES.indexOf(n.label)), probabilities: probs.flatMap((p) => CLASSES.map((c) => p[c])) });
}
