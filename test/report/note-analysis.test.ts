/**
 * A note's window (note-analysis.ts) holds everything its analysis reads: analysing the window gives exactly what
 * analysing the whole take gives, for notes at the take's start, in the middle and at its end.
 */
import { SAMPLE_RATE } from '../../shared/constants';
import { NotePitchEstimator } from '../../shared/pitch/note-pitch';
import { OVERLAP_POLICIES } from '../../shared/report/clips';
import { analyzeNote, NOTE_LOOK_BACK_SAMPLES, noteWindowComplete, noteWindowSpan } from '../../shared/report/note-analysis';
import { synthesizeTake } from '../../shared/synth/take';

const take = synthesizeTake({ seconds: 3, seed: 7, condition: 'fast-run' });
const onsets = take.truth.notes.map((n) => Math.round(n.onsetSec * SAMPLE_RATE));

describe('note windows', () => {
  it('analyse like the whole take, under every overlap policy', () => {
    expect(onsets.length).toBeGreaterThan(10);
    // A note at the very start (no look-back available) and one cut by the take's end are among them.
    const all = [Math.round(0.05 * SAMPLE_RATE), ...onsets, take.samples.length - Math.round(0.5 * SAMPLE_RATE)].sort((a, b) => a - b);
    const pitcher = new NotePitchEstimator();
    const takeLength = take.samples.length;
    for (const overlap of OVERLAP_POLICIES) {
      all.forEach((onset, i) => {
        const nextOnset = i + 1 < all.length ? all[i + 1] : null;
        const whole = analyzeNote({ samples: take.samples, start: 0, onset, nextOnset, takeLength }, { overlap, pitcher });
        const span = noteWindowSpan(onset, { from: 0, to: takeLength });
        expect(span.from).toBe(Math.max(0, onset - NOTE_LOOK_BACK_SAMPLES));
        const window = analyzeNote({ samples: take.samples.slice(span.from, span.to), start: span.from, onset, nextOnset, takeLength }, { overlap, pitcher });
        expect(window.analysis).toEqual(whole.analysis);
        expect(window.clip).toEqual(whole.clip);
      });
    }
  });

  it('is complete once the clip and the one-second segment have been read', () => {
    const onset = 3 * SAMPLE_RATE;
    expect(noteWindowComplete(onset, onset + SAMPLE_RATE - 1)).toBe(false);
    // The clip runs 1.88 s past the onset (2 s from 0.12 s before it): that is what decides.
    expect(noteWindowComplete(onset, onset + Math.round(1.88 * SAMPLE_RATE) - 1)).toBe(false);
    expect(noteWindowComplete(onset, onset + Math.round(1.88 * SAMPLE_RATE))).toBe(true);
    expect(noteWindowSpan(onset, { from: 0, to: onset + 5 * SAMPLE_RATE })).toEqual({ from: onset - NOTE_LOOK_BACK_SAMPLES, to: onset + Math.round(1.88 * SAMPLE_RATE) });
  });
});
