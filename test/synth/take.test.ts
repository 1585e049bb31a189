import { SAMPLE_RATE } from '../../shared/constants';
import { synthesizeTake, TAKE_CONDITIONS, TakeCondition } from '../../shared/synth/take';

function gaps(onsets: number[]): number[] {
  return onsets.slice(1).map((t, i) => t - onsets[i]);
}

function rms(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

const takes = new Map<TakeCondition, ReturnType<typeof synthesizeTake>>();
function take(condition: TakeCondition) {
  if (!takes.has(condition)) takes.set(condition, synthesizeTake({ seconds: 14, seed: 7, condition }));
  return takes.get(condition)!;
}

describe('synthesizeTake', () => {
  it('is deterministic by seed and returns the truth format', () => {
    const a = synthesizeTake({ seconds: 6, seed: 3 });
    const b = synthesizeTake({ seconds: 6, seed: 3 });
    expect(a.samples).toEqual(b.samples);
    expect(a.truth).toEqual(b.truth);
    expect(synthesizeTake({ seconds: 6, seed: 4 }).samples).not.toEqual(a.samples);
    expect(a.truth).toMatchObject({ format: 'buzzfinder-take-truth', version: 1, sampleRate: SAMPLE_RATE, durationSec: 6, seed: 3, condition: 'mixed' });
    expect(a.samples).toHaveLength(6 * SAMPLE_RATE);
  });

  it.each(TAKE_CONDITIONS.map((c) => [c]))('%s: onsets are exact sample positions where the attack starts, gaps 0.12-2.5 s', (condition) => {
    const t = take(condition as TakeCondition);
    const onsets = t.truth.notes.map((n) => n.onsetSec);
    expect(onsets.length).toBeGreaterThan(3);
    for (const n of t.truth.notes) {
      expect(Math.abs(n.onsetSec * SAMPLE_RATE - Math.round(n.onsetSec * SAMPLE_RATE))).toBeLessThan(1e-6);
      expect(['buzzy', 'clean', 'muted']).toContain(n.label);
      expect(n.midi).toBeGreaterThanOrEqual(40);
      expect(n.midi).toBeLessThanOrEqual(88);
    }
    for (const g of gaps(onsets)) {
      expect(g).toBeGreaterThanOrEqual(0.12 - 1e-6);
      expect(g).toBeLessThanOrEqual(2.5 + 1e-6);
    }
    // Nothing sounds before the first onset but the noise floor; the attack starts right at it.
    const first = Math.round(onsets[0] * SAMPLE_RATE);
    expect(rms(t.samples, first, first + 441)).toBeGreaterThan(4 * rms(t.samples, first - 441, first));
    // Attack transients (first difference) rise at the onsets of notes not much softer than the previous one:
    // 5 ms after vs 5 ms before. (Legato notes are hammer-ons by design: a small attack while the old note stops.)
    if (condition === 'legato') return;
    const d = new Float32Array(t.samples.length);
    for (let i = 1; i < d.length; i++) d[i] = t.samples[i] - t.samples[i - 1];
    let rises = 0, candidates = 0;
    t.truth.notes.forEach((n, k) => {
      if (k === 0 || n.levelDb < t.truth.notes[k - 1].levelDb - 6) return;
      candidates++;
      const i = Math.round(n.onsetSec * SAMPLE_RATE);
      if (rms(d, i, i + 110) > 1.2 * rms(d, i - 110, i)) rises++;
    });
    expect(candidates).toBeGreaterThan(0);
    expect(rises).toBeGreaterThanOrEqual(candidates * 0.8);
  });

  it('each condition stresses its aspect', () => {
    const fast = gaps(take('fast-run').truth.notes.map((n) => n.onsetSec));
    expect(Math.max(...fast)).toBeLessThanOrEqual(0.25 + 1e-6);
    // legato: phrases of 2-5 notes, one picked note then hammer-ons/pull-offs on its string, each 0-8 dB under it.
    const legato = take('legato').truth.notes;
    expect(legato[0].articulation).toBe('picked');
    let phraseLevel = legato[0].levelDb;
    let phraseLength = 1;
    const lengths: number[] = [];
    legato.slice(1).forEach((n, i) => {
      if (n.articulation === 'picked') {
        lengths.push(phraseLength);
        phraseLevel = n.levelDb;
        phraseLength = 1;
        return;
      }
      phraseLength++;
      expect(n.stringIndex).toBe(legato[i].stringIndex);
      expect(n.levelDb).toBeLessThanOrEqual(phraseLevel + 1e-9);
      expect(n.levelDb).toBeGreaterThanOrEqual(phraseLevel - 8 - 1e-9);
    });
    expect(lengths.length).toBeGreaterThanOrEqual(3);
    for (const l of lengths) {
      expect(l).toBeGreaterThanOrEqual(2);
      expect(l).toBeLessThanOrEqual(5);
    }
    expect(legato.filter((n) => n.articulation === 'legato').length).toBeGreaterThan(legato.length / 3);
    const overlapping = take('overlapping').truth.notes;
    expect(overlapping.slice(1).every((n, i) => n.stringIndex !== overlapping[i].stringIndex)).toBe(true);
    const sal = take('soft-after-loud').truth.notes;
    const drops = sal.slice(1).map((n, i) => sal[i].levelDb - n.levelDb).filter((d) => d >= 15);
    expect(drops.length).toBeGreaterThanOrEqual(Math.floor((sal.length - 1) / 2));
    const quiet = take('quiet').samples;
    expect(quiet.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThan(Math.pow(10, -25 / 20));
    const edges = take('silence-edges').truth;
    expect(edges.notes[0].onsetSec).toBeGreaterThanOrEqual(2);
    expect(edges.durationSec - edges.notes[edges.notes.length - 1].onsetSec).toBeGreaterThanOrEqual(2);
    // noisy: the noise floor is 20-30 dB under the notes (measured before the first note).
    const noisy = take('noisy');
    const first = Math.round(noisy.truth.notes[0].onsetSec * SAMPLE_RATE);
    const floor = rms(noisy.samples, 0, first - 10);
    const clean = take('overlapping');
    const cleanFloor = rms(clean.samples, 0, Math.round(clean.truth.notes[0].onsetSec * SAMPLE_RATE) - 10);
    expect(floor).toBeGreaterThan(cleanFloor);
    const loud = noisy.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(20 * Math.log10(loud / floor)).toBeLessThan(50);
    expect(20 * Math.log10(loud / floor)).toBeGreaterThan(20);
    // mixed: every class, ringing overlaps (a note still sounds when the next, on another string, starts).
    const mixed = take('mixed').truth.notes;
    expect(new Set(mixed.map((n) => n.label)).size).toBe(3);
  });

  it('clicksPerSecond adds short broadband clicks between the notes, outside the truth, leaving the notes as they were', () => {
    const plain = synthesizeTake({ seconds: 10, seed: 5, condition: 'silence-edges' });
    const clicked = synthesizeTake({ seconds: 10, seed: 5, condition: 'silence-edges', clicksPerSecond: 1 });
    expect(clicked.truth).toEqual(plain.truth);
    expect(synthesizeTake({ seconds: 10, seed: 5, condition: 'silence-edges', clicksPerSecond: 1 }).samples).toEqual(clicked.samples);
    const diff = clicked.samples.map((v, i) => v - plain.samples[i]);
    // Each click is short: the difference is non-zero in at most ~10 bursts of <= 10 ms.
    let bursts = 0;
    let nonZero = 0;
    for (let i = 0; i < diff.length; i++) {
      if (diff[i] === 0) continue;
      nonZero++;
      if (i === 0 || diff[i - 1] === 0) bursts++;
    }
    expect(bursts).toBeGreaterThanOrEqual(5);
    expect(bursts).toBeLessThanOrEqual(40); // a burst may contain exact zero crossings
    expect(nonZero).toBeLessThanOrEqual(10 * Math.round(0.01 * SAMPLE_RATE));
    // ... and never on an attack: >= 40 ms from every truth onset.
    const onsets = plain.truth.notes.map((n) => Math.round(n.onsetSec * SAMPLE_RATE));
    for (let i = 0; i < diff.length; i++) {
      if (diff[i] !== 0 && (i === 0 || diff[i - 1] === 0)) {
        expect(Math.min(...onsets.map((o) => Math.abs(o - i)))).toBeGreaterThanOrEqual(Math.round(0.04 * SAMPLE_RATE));
      }
    }
    expect(() => synthesizeTake({ seconds: 5, seed: 1, clicksPerSecond: -1 })).toThrow(/clicksPerSecond/);
  });

  it('rejects bad options', () => {
    expect(() => synthesizeTake({ seconds: 0.5, seed: 1 })).toThrow(/seconds/);
    expect(() => synthesizeTake({ seconds: 5, seed: 1.5 })).toThrow(/seed/);
    expect(() => synthesizeTake({ seconds: 5, seed: 1, condition: 'loud' as never })).toThrow(/condition/);
  });
});
