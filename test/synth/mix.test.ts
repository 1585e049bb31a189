import { SAMPLE_RATE } from '../../shared/constants';
import { Rng } from '../../shared/rng';
import { mixNotesDry, naturalLengthSamples } from '../../shared/synth/mix';
import { NoteParams, renderNoteDry, sampleNoteParams } from '../../shared/synth/note';
import { sampleInstrument } from '../../shared/synth/instrument';

const SR = SAMPLE_RATE;

function rms(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

function ringingNote(seed: number, stringIndex: number, midi: number): NoteParams {
  const rng = new Rng(seed);
  const instrument = sampleInstrument(new Rng(99));
  const note = sampleNoteParams({ label: 'clean', rng, midi, instrument, stringIndex });
  note.t60 = Math.max(note.t60, 2); // rings through the whole test window
  return note;
}

describe('mixNotesDry', () => {
  const total = 2 * SR;
  const first = ringingNote(1, 1, 50); // A string, fret 5
  const solo = mixNotesDry([{ params: first, onsetSample: 0 }], total);

  it('renders a single note exactly as renderNoteDry does', () => {
    const ref = new Float32Array(total);
    const buf = new Float32Array(Math.min(total, naturalLengthSamples(first, SR)));
    renderNoteDry(first, buf, 0, buf.length, SR);
    ref.set(buf.subarray(0, total));
    expect(Array.from(solo)).toEqual(Array.from(ref));
  });

  it('lets a note ring under a note on another string, and cuts it at the next note on its own string', () => {
    const at = Math.round(0.5 * SR);
    const otherString = ringingNote(2, 3, 60);
    const sameString = ringingNote(3, 1, 52);
    const withOther = mixNotesDry([{ params: first, onsetSample: 0 }, { params: otherString, onsetSample: at }], total);
    const otherAlone = mixNotesDry([{ params: otherString, onsetSample: at }], total);
    // Other string: the mix is the sum of the two notes.
    for (let i = 0; i < total; i += 997) expect(withOther[i]).toBeCloseTo(solo[i] + otherAlone[i], 6);
    // Same string: the first note stops (5 ms crossfade) where the second starts; what remains is the second note.
    const withSame = mixNotesDry([{ params: sameString, onsetSample: at }, { params: first, onsetSample: 0 }], total);
    const sameAlone = mixNotesDry([{ params: sameString, onsetSample: at }], total);
    const after = at + Math.round(0.005 * SR);
    for (let i = after; i < total; i += 997) expect(withSame[i]).toBeCloseTo(sameAlone[i], 6);
    expect(rms(withSame, 0, at - 100)).toBeCloseTo(rms(solo, 0, at - 100), 6);
  });

  it('takes notes that started before the mix: only their remaining part is heard', () => {
    const lead = Math.round(0.3 * SR);
    const late = mixNotesDry([{ params: first, onsetSample: -lead }], total);
    for (let i = 0; i < total - lead; i += 991) expect(late[i]).toBeCloseTo(solo[i + lead], 6);
    expect(() => mixNotesDry([{ params: first, onsetSample: 0.5 }], total)).toThrow(TypeError);
    expect(() => mixNotesDry([], 0)).toThrow(TypeError);
  });
});
