import { PRE_ONSET_SECONDS, SAMPLE_RATE } from '../../shared/constants';
import { Rng } from '../../shared/rng';
import { augmentClip, compress, DEFAULT_AUGMENT_PROBABILITIES, resamplePitch } from '../../shared/synth/augment';
import { autocorrelationPitch, cents } from './acoustics';
import { sampleNoteParams, synthesizeNote } from '../../shared/synth/note';

const ONSET = Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE);
const clip = synthesizeNote(sampleNoteParams({ label: 'clean', rng: new Rng(11) }));
const off = Object.fromEntries(Object.keys(DEFAULT_AUGMENT_PROBABILITIES).map((k) => [k, 0]));

function firstAbove(x: Float32Array, threshold: number): number {
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) > threshold) return i;
  return -1;
}

describe('augmentClip', () => {
  it('is deterministic by seed, leaves the input untouched and records every step with its parameters', () => {
    const before = clip.slice();
    const a = augmentClip(clip, { rng: new Rng(1) });
    const b = augmentClip(clip, { rng: new Rng(1) });
    expect(a.samples).toEqual(b.samples);
    expect(a.applied).toEqual(b.applied);
    expect(clip).toEqual(before);
    expect(a.samples).toHaveLength(clip.length);
    for (const step of a.applied) expect(Object.keys(DEFAULT_AUGMENT_PROBABILITIES)).toContain(step.name);
  });

  it('with every probability at 0 returns an identical copy and applies nothing', () => {
    const r = augmentClip(clip, { rng: new Rng(2), probabilities: off });
    expect(r.applied).toEqual([]);
    expect(r.samples).toEqual(clip);
  });

  it('applies every step over many seeds, and jitter moves the onset by at most 30 ms', () => {
    const seen = new Set<string>();
    const threshold = 0.2 * clip.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const original = firstAbove(clip, threshold);
    for (let s = 0; s < 25; s++) {
      const r = augmentClip(clip, { rng: new Rng(s) });
      for (const step of r.applied) seen.add(step.name);
      const jitter = augmentClip(clip, { rng: new Rng(s), probabilities: { ...off, jitter: 1 } });
      const shift = jitter.applied[0].shiftSec as number;
      expect(Math.abs(shift)).toBeLessThanOrEqual(0.03 + 1e-9);
      expect(firstAbove(jitter.samples, threshold) - original).toBe(Math.round(shift * SAMPLE_RATE));
    }
    expect([...seen].sort()).toEqual(Object.keys(DEFAULT_AUGMENT_PROBABILITIES).sort());
  });

  it('keeps added noise at least ~18 dB below the note and the gain below full scale', () => {
    const level = (x: Float32Array, from: number, to: number) => Math.sqrt(x.subarray(from, to).reduce((s, v) => s + v * v, 0) / (to - from));
    for (let s = 0; s < 10; s++) {
      const r = augmentClip(clip, { rng: new Rng(s), probabilities: { ...off, background: 1, 'gaussian-noise': 1, gain: 1 } });
      const noteRms = level(r.samples, ONSET, ONSET + 2205);
      const noiseRms = level(r.samples, 0, ONSET - 10);
      expect(20 * Math.log10(noteRms / noiseRms)).toBeGreaterThan(15);
      expect(r.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(1);
    }
  });

  it('compression lifts the body relative to the attack and keeps the peak', () => {
    const rms = (x: Float32Array, from: number, to: number) => Math.sqrt(x.subarray(from, to).reduce((t, v) => t + v * v, 0) / (to - from));
    const peak = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const y = clip.slice();
    compress(y, { ratio: 4, thresholdDb: -20, attackSec: 0.002, releaseSec: 0.1 }, SAMPLE_RATE);
    const ratio = (x: Float32Array) => rms(x, ONSET + 0.5 * SAMPLE_RATE, ONSET + 1.5 * SAMPLE_RATE) / rms(x, ONSET, ONSET + 0.05 * SAMPLE_RATE);
    expect(20 * Math.log10(ratio(y) / ratio(clip))).toBeGreaterThan(3);
    expect(peak(y)).toBeCloseTo(peak(clip), 5);
  });

  it('drive keeps the peak and the onset; every new step shows up in the manifest record', () => {
    for (const name of ['compress', 'drive'] as const) {
      const r = augmentClip(clip, { rng: new Rng(4), probabilities: { ...off, [name]: 1 } });
      expect(r.applied.map((a) => a.name)).toEqual([name]);
      expect(r.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(clip.reduce((m, v) => Math.max(m, Math.abs(v)), 0) * 1.05);
      expect(firstAbove(r.samples, 0.2 * clip.reduce((m, v) => Math.max(m, Math.abs(v)), 0))).toBeGreaterThanOrEqual(ONSET - 20);
    }
  });

  it('resamplePitch shifts the pitch by the given semitones and keeps the onset', () => {
    const note = synthesizeNote({ ...sampleNoteParams({ label: 'clean', rng: new Rng(12), midi: 57 }) });
    const f0 = autocorrelationPitch(note, ONSET + 2205, 3072).hz;
    const threshold = 0.2 * note.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (const st of [-3, -1.5, 2, 3]) {
      const y = resamplePitch(note, st, ONSET);
      expect(Math.abs(cents(autocorrelationPitch(y, ONSET + 2205, 3072).hz, f0) - 100 * st)).toBeLessThan(10);
      expect(Math.abs(firstAbove(y, threshold) - firstAbove(note, threshold))).toBeLessThanOrEqual(3);
    }
  });

  it('rejects bad input', () => {
    expect(() => augmentClip([1, 2] as never, { rng: new Rng(1) })).toThrow(TypeError);
    expect(() => augmentClip(clip, { rng: {} as Rng })).toThrow(TypeError);
  });
});
