import { SAMPLE_RATE } from '../../shared/constants';
import { estimatePitch, estimatePitchDetailed } from '../../shared/pitch/estimate';
import { NotePitchEstimator } from '../../shared/pitch/note-pitch';
import { centsBetween, hzToMidiFloat, midiToHz, midiToName, roundedPitch } from '../../shared/pitch/notes';
import { Rng } from '../../shared/rng';
import { sampleNoteParams, synthesizeNote } from '../../shared/synth/note';
import { synthesizeTake } from '../../shared/synth/take';

const SR = SAMPLE_RATE;

/** Sum of sines at k * hz with the given amplitudes (amplitudes[0] = fundamental), decaying, with a phase per partial. */
function tone(hz: number, amplitudes: number[], seconds = 0.6): Float32Array {
  const y = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < y.length; i++) {
    let v = 0;
    amplitudes.forEach((a, k) => {
      v += a * Math.sin((2 * Math.PI * hz * (k + 1) * i) / SR + k);
    });
    y[i] = 0.5 * v * Math.exp((-2 * i) / SR);
  }
  return y;
}

describe('note names', () => {
  it('names MIDI notes with sharps and octave numbers', () => {
    expect(midiToName(69)).toBe('A4');
    expect(midiToName(40)).toBe('E2');
    expect(midiToName(61)).toBe('C#4');
    expect(midiToName(45)).toBe('A2');
    expect(midiToName(0)).toBe('C-1');
    expect(hzToMidiFloat(440)).toBe(69);
    expect(midiToHz(40)).toBeCloseTo(82.4069, 3);
    expect(centsBetween(880, 440)).toBeCloseTo(1200, 9);
    expect(() => midiToName(60.5)).toThrow(TypeError);
    expect(() => hzToMidiFloat(0)).toThrow(TypeError);
  });

  it('rounds a reported pitch so its note always matches its rounded hz, even at a note boundary', () => {
    // The D#2/E2 boundary is 80.0609 Hz: 80.0612 Hz is E2, but reported as 80.06 Hz it must be D#2. A 60-minute
    // take's report once failed validation on exactly such a note.
    const boundary = midiToHz(39.5);
    expect(Math.round(hzToMidiFloat(boundary + 0.0003))).toBe(40);
    expect(roundedPitch(boundary + 0.0003)).toEqual({ hz: 80.06, midi: 39, name: 'D#2' });
    expect(roundedPitch(82.4069)).toEqual({ hz: 82.41, midi: 40, name: 'E2' });
    // Every rounded pitch passes the report validator's rule (nearest note of the rounded hz).
    for (let hz = 70; hz < 1400; hz *= 1.0007) {
      const p = roundedPitch(hz);
      expect(Math.round(69 + 12 * Math.log2(p.hz / 440))).toBe(p.midi);
    }
  });
});

describe('estimatePitch (YIN) on a segment', () => {
  const frequencies = [82.41, 110, 146.83, 196, 246.94, 329.63, 440, 659.26];
  const spectra: [string, number[]][] = [
    ['pure tone', [1]],
    ['harmonic tone', [1, 0.8, 0.6, 0.5, 0.4, 0.3]],
    ['weak fundamental', [0.05, 1, 0.8, 0.6, 0.4]],
    ['missing fundamental', [0, 1, 0.8, 0.6, 0.4]],
  ];
  const inTake = new NotePitchEstimator();
  it.each(spectra)('%s: within 5 cents from E2 to E5, never an octave off (YIN and the in-take estimator)', (_name, amplitudes) => {
    for (const hz of frequencies) {
      const y = tone(hz, amplitudes);
      const p = estimatePitch(y);
      expect(p).not.toBeNull();
      expect(Math.abs(centsBetween(p!.hz, hz))).toBeLessThan(5);
      expect(p!.midi).toBe(Math.round(hzToMidiFloat(hz)));
      const q = inTake.estimate(y, 0, y.length).pitch;
      expect(Math.abs(centsBetween(q!.hz, hz))).toBeLessThan(10);
    }
  });

  it('returns null for noise, silence and segments too short for the lowest note', () => {
    const rng = new Rng(2);
    expect(estimatePitch(new Float32Array(SR).map(() => rng.gaussian()))).toBeNull();
    expect(estimatePitch(new Float32Array(SR))).toBeNull();
    expect(estimatePitchDetailed(tone(110, [1], 0.05)).pitch).toBeNull();
    expect(() => estimatePitch([1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => estimatePitch(tone(110, [1]), { fMinHz: 500, fMaxHz: 100 })).toThrow(TypeError);
  });
});

describe('NotePitchEstimator (notes inside takes)', () => {
  const est = new NotePitchEstimator();

  it('gets synthesised clean notes right on every string, E2 included', () => {
    const rng = new Rng(5);
    for (const midi of [40, 41, 43, 45, 47, 50, 52, 55, 59, 64, 69, 76]) {
      for (let k = 0; k < 1; k++) {
        const params = sampleNoteParams({ label: 'clean', rng: rng.fork(midi * 10 + k), midi });
        const clip = synthesizeNote(params);
        const onset = Math.round(params.onsetSec * SR);
        const p = est.estimate(clip, onset, clip.length).pitch;
        expect(p).not.toBeNull();
        expect(Math.abs(centsBetween(p!.hz, params.f0))).toBeLessThan(50);
        expect(p!.midi).toBe(midi);
      }
    }
  });

  it('ignores the notes still ringing from before (pure tones): no octave or fifth errors', () => {
    // A2 rings; E3 (a fifth above) starts at 0.5 s: the mixture's period is that of A1.
    const y = new Float32Array(SR);
    const a2 = tone(110, [1, 0.6, 0.4, 0.3], 1);
    const e3 = tone(164.81, [1, 0.6, 0.4, 0.3], 0.5);
    y.set(a2);
    for (let i = 0; i < e3.length; i++) y[SR / 2 + i] += 0.6 * e3[i];
    const p = est.estimate(y, SR / 2, SR).pitch;
    expect(p?.name).toBe('E3');
  });

  it('>= 95% of clean notes within ±50 cents on synthetic takes, low strings included', () => {
    // Seeds 3-7 were not used to choose the parameters (seeds 5 and 7: electric guitars through phone mics whose
    // high-pass removes the low notes' fundamentals). Measured: 99.3% of 268 notes, E2–A2 15/15 (a small count:
    // 88% of 34 on 20 s takes, 92% of 51 in the bench); all conditions and registers: bench/report.ts --quality.
    let n = 0;
    let ok = 0;
    let low = 0;
    let lowOk = 0;
    for (const condition of ['mixed', 'fast-run', 'legato', 'overlapping', 'soft-after-loud'] as const) {
      for (const seed of [3, 4, 5, 6, 7]) {
        const take = synthesizeTake({ seconds: 12, seed, condition });
        const notes = take.truth.notes;
        notes.forEach((note, i) => {
          if (note.label !== 'clean' || note.levelDb <= -45) return;
          const onset = Math.round(note.onsetSec * SR);
          const end = i + 1 < notes.length ? Math.round(notes[i + 1].onsetSec * SR) : take.samples.length;
          const p = est.estimate(take.samples, onset, end).pitch;
          const right = p !== null && Math.abs(centsBetween(p.hz, midiToHz(note.midi))) <= 50;
          n++;
          if (right) ok++;
          if (note.midi <= 45) {
            low++;
            if (right) lowOk++;
          }
        });
      }
    }
    expect(n).toBeGreaterThan(250);
    expect(low).toBeGreaterThanOrEqual(12);
    expect(ok / n).toBeGreaterThanOrEqual(0.95);
    expect(lowOk / low).toBeGreaterThanOrEqual(0.85);
  });

  it('the WebAssembly spectra give the JS FFT\'s estimates (every note of a take, clean or not)', () => {
    const js = new NotePitchEstimator({ fft: 'js' });
    let compared = 0;
    for (const seed of [3, 8]) {
      const take = synthesizeTake({ seconds: 12, seed, condition: 'mixed' });
      const notes = take.truth.notes;
      notes.forEach((note, i) => {
        const onset = Math.round(note.onsetSec * SR);
        const end = i + 1 < notes.length ? Math.round(notes[i + 1].onsetSec * SR) : take.samples.length;
        const a = est.estimate(take.samples, onset, end);
        const b = js.estimate(take.samples, onset, end);
        expect(a.pitch === null).toBe(b.pitch === null);
        if (a.pitch && b.pitch) expect(Math.abs(a.pitch.hz / b.pitch.hz - 1)).toBeLessThan(1e-9);
        expect(Math.abs(a.harmonicity - b.harmonicity)).toBeLessThan(1e-9);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('calls many dead notes unpitched instead of guessing (measured: about half)', () => {
    const rng = new Rng(9);
    let unpitched = 0;
    for (let k = 0; k < 8; k++) {
      const params = sampleNoteParams({ label: 'muted', variant: 'dead-note', rng: rng.fork(k) });
      const clip = synthesizeNote(params);
      if (est.estimate(clip, Math.round(params.onsetSec * SR), clip.length).pitch === null) unpitched++;
    }
    expect(unpitched).toBeGreaterThanOrEqual(3);
    expect(est.estimate(new Float32Array(SR), 100, SR).pitch).toBeNull();
    expect(est.estimate(tone(110, [1]), 0, 500).pitch).toBeNull(); // too short
  });
});
