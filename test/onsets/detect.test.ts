import { REJECT_CLICKS, createOnsetTracker, detectOnsets, detectOnsetsDetailed } from '../../shared/onsets/detect';
import { onsetScores } from '../../shared/onsets/evaluate';
import { Rng } from '../../shared/rng';
import { TAKE_CONDITIONS, synthesizeTake } from '../../shared/synth/take';
import { PluckCondition, pluck, pluckTake } from './pluck-signals';
import { readPluckReference, readPluckTake } from './reference-take';

const SR = 22050;

describe('detectOnsets on the reference take (24 plucks, exact truth)', () => {
  const ref = readPluckReference();
  const y = readPluckTake();

  it('finds every note, on the attack, far better than the original peak_pick', () => {
    const s = onsetScores(detectOnsets(y), ref.truth_onset_times);
    const original = onsetScores(ref.peak_pick_original_params_frames.map((f) => (f * 512) / SR), ref.truth_onset_times);
    expect(original.f1).toBeCloseTo(0.35, 1);
    expect(s.recall).toBe(1);
    expect(s.f1).toBeGreaterThan(0.8); // measured 0.83: its false positives are broadband clicks between notes
    expect(s.meanAbsErrorSec).toBeLessThan(0.01);
  });

  it('with click rejection beats librosa onset_detect defaults (F1 0.91)', () => {
    const librosa = onsetScores(ref.onset_detect_defaults_times, ref.truth_onset_times);
    expect(librosa.f1).toBeCloseTo(0.906, 2);
    const s = onsetScores(detectOnsets(y, { minPersistence: 0.02 }), ref.truth_onset_times);
    expect(s.f1).toBeGreaterThan(librosa.f1);
    expect(s.f1).toBeGreaterThanOrEqual(0.97);
    // Sustained rise (REJECT_CLICKS; measured 1.00: every click removed, every note kept).
    const sustained = onsetScores(detectOnsets(y, REJECT_CLICKS), ref.truth_onset_times);
    expect(sustained.recall).toBe(1);
    expect(sustained.f1).toBeGreaterThanOrEqual(0.97);
  });
});

describe('detectOnsets on synthetic takes with exact truth (seeds not used for tuning)', () => {
  // Thresholds were chosen on seeds 1-2; these seeds only check (bench/report.ts --quality: 5 seeds per condition).
  // Since 2026-12-02 the synthesiser's buzzy notes keep their full level and carry a rattle (issue 11), some only
  // in the tail: a quiet note after a loud buzzing one is missed more often, and a tail buzz can read as a new onset.
  // Measured then (seeds 3-4): F1 mixed 0.980, fast-run 0.949, soft-after-loud 0.957, legato 1.000, overlapping
  // 0.984, quiet 0.976, noisy 0.976, silence-edges 0.951; precision >= 0.952 except silence-edges 0.906 (was >= 0.97
  // and >= 0.98 on the previous generator). The detector is not re-tuned for it yet: these bounds hold that level.
  // Since ds-v13's generator (short clean/buzzy notes, two-stage decay) seeds 3-4 of soft-after-loud give 2 false
  // onsets of 48 (precision 0.958); over seeds 3-12 it is no worse than before: precision 0.986 (was 0.982), F1
  // 0.974 (0.961); mixed 0.994 / 0.992 (0.993 / 0.989); silence-edges 0.978 / 0.986 (0.978 / 0.981).
  const seeds = [3, 4];
  const minF1: Partial<Record<string, number>> = { 'fast-run': 0.94, 'soft-after-loud': 0.95, 'silence-edges': 0.95 };
  const minPrecision: Partial<Record<string, number>> = { quiet: 0.95, noisy: 0.95, overlapping: 0.97, 'soft-after-loud': 0.95, 'silence-edges': 0.9 };
  it.each(TAKE_CONDITIONS.map((c) => [c]))('%s: F1 >= 0.97 with the defaults (lower where noted)', (condition) => {
    let tp = 0, fp = 0, fn = 0;
    for (const seed of seeds) {
      const take = synthesizeTake({ seconds: 20, seed, condition });
      const s = onsetScores(detectOnsets(take.samples), take.truth.notes.map((n) => n.onsetSec));
      expect(s.meanAbsErrorSec).toBeLessThan(0.015);
      tp += s.truePositives;
      fp += s.falsePositives;
      fn += s.falseNegatives;
    }
    expect(tp + fn).toBeGreaterThan(25);
    expect((2 * tp) / (2 * tp + fp + fn)).toBeGreaterThanOrEqual(minF1[condition] ?? 0.97);
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(minPrecision[condition] ?? 0.98);
  });

  it('legato: hammer-ons/pull-offs (0-8 dB under the picked note, no pick attack) are found', () => {
    let found = 0, total = 0;
    for (const seed of seeds) {
      const take = synthesizeTake({ seconds: 20, seed, condition: 'legato' });
      const hammerOns = take.truth.notes.filter((n) => n.articulation === 'legato').map((n) => n.onsetSec);
      found += onsetScores(detectOnsets(take.samples), hammerOns).truePositives;
      total += hammerOns.length;
    }
    expect(total).toBeGreaterThan(40);
    expect(found / total).toBeGreaterThanOrEqual(0.95);
  });

  it('click distractors (clicksPerSecond): reported as notes by default, mostly removed by minPersistence', () => {
    const take = synthesizeTake({ seconds: 15, seed: 4, condition: 'silence-edges', clicksPerSecond: 1 });
    const truth = take.truth.notes.map((n) => n.onsetSec);
    const plain = onsetScores(detectOnsets(take.samples), truth);
    const rejecting = onsetScores(detectOnsets(take.samples, { minPersistence: 0.02 }), truth);
    expect(plain.recall).toBe(1);
    expect(plain.precision).toBeLessThan(0.6);
    expect(rejecting.precision).toBeGreaterThanOrEqual(0.75); // 0.769 since the tail-buzz synth (was >= 0.9): see above
    expect(rejecting.falsePositives).toBeLessThan(plain.falsePositives / 4);
  });

  it('REJECT_CLICKS (minSustainedRise) removes clicks while keeping more notes than minPersistence', () => {
    let clicked = { plain: 0, sustained: 0 };
    let kept = { persistence: 0, sustained: 0, total: 0 };
    for (const condition of ['mixed', 'soft-after-loud'] as const) {
      const withClicks = synthesizeTake({ seconds: 15, seed: 4, condition, clicksPerSecond: 1 });
      const truth = withClicks.truth.notes.map((n) => n.onsetSec);
      clicked = {
        plain: clicked.plain + onsetScores(detectOnsets(withClicks.samples), truth).falsePositives,
        sustained: clicked.sustained + onsetScores(detectOnsets(withClicks.samples, REJECT_CLICKS), truth).falsePositives,
      };
      const clean = synthesizeTake({ seconds: 15, seed: 4, condition });
      const notes = clean.truth.notes.map((n) => n.onsetSec);
      kept = {
        persistence: kept.persistence + onsetScores(detectOnsets(clean.samples, { minPersistence: 0.02 }), notes).truePositives,
        sustained: kept.sustained + onsetScores(detectOnsets(clean.samples, REJECT_CLICKS), notes).truePositives,
        total: kept.total + notes.length,
      };
    }
    expect(clicked.plain).toBeGreaterThan(10);
    expect(clicked.sustained).toBeLessThan(clicked.plain / 2);
    expect(kept.sustained / kept.total).toBeGreaterThanOrEqual(0.85); // measured 47/52; clicks 23 -> 5
    expect(kept.sustained).toBeGreaterThan(kept.persistence);
  });
});

describe('detectOnsets on a second, independent generator (Karplus-Strong plucks)', () => {
  const conditions: PluckCondition[] = ['spaced', 'fast-run', 'soft-after-loud', 'legato', 'overlapping', 'quiet', 'noisy', 'silence-edges'];
  it.each(conditions.map((c) => [c]))('%s', (condition) => {
    const take = pluckTake({ seconds: 10, seed: 7, condition });
    const s = onsetScores(detectOnsets(take.samples), take.onsets);
    expect(s.f1).toBeGreaterThanOrEqual(0.95);
  });
});

describe('detector properties', () => {
  const take = synthesizeTake({ seconds: 24, seed: 11, condition: 'mixed' });

  it('streaming in arbitrary chunks gives exactly the one-shot onsets', () => {
    const whole = detectOnsetsDetailed(take.samples);
    const tracker = createOnsetTracker();
    const rng = new Rng(3);
    const times: number[] = [];
    let i = 0;
    while (i < take.samples.length) {
      const n = rng.int(1, 30000);
      for (const o of tracker.push(take.samples.slice(i, i + n))) times.push(o.timeSec);
      // Once confirmed, no onset before that point may still appear.
      expect(times.every((t) => t * SR < tracker.samplesReceived)).toBe(true);
      i += n;
    }
    for (const o of tracker.finish()) times.push(o.timeSec);
    expect(times).toEqual(whole.times);
    expect(whole.times.length).toBeGreaterThan(10);
  });

  it('does not depend on the take level', () => {
    const quiet = take.samples.map((v) => v * 0.003);
    expect(detectOnsets(quiet)).toEqual(detectOnsets(take.samples));
  });

  it('finds nothing in silence or steady noise, and keeps onsets >= minGap apart', () => {
    expect(detectOnsets(new Float32Array(SR * 3))).toEqual([]);
    const rng = new Rng(1);
    const noise = new Float32Array(SR * 5).map(() => 0.05 * rng.gaussian());
    expect(detectOnsets(noise).length).toBeLessThanOrEqual(1);
    const times = detectOnsets(take.samples);
    for (let k = 1; k < times.length; k++) expect(times[k] - times[k - 1]).toBeGreaterThanOrEqual(0.06 - 1e-9);
  });

  it('finds a note that starts at the very first sample, at 0 s (never negative), with and without click rejection', () => {
    for (const hz of [82.4, 196, 330]) {
      const y = pluck({ hz, seconds: 1, rng: new Rng(3) });
      for (const options of [{}, REJECT_CLICKS]) expect(detectOnsets(y, options)).toEqual([0]);
      // The same note 0.5 s in: found where it is (the lead-in shifts nothing).
      const later = new Float32Array(SR * 1.5);
      later.set(y, SR / 2);
      const [t] = detectOnsets(later);
      expect(Math.abs(t - 0.5)).toBeLessThan(0.012);
    }
    // The detection function has one value per hop of the take itself.
    const d = detectOnsetsDetailed(new Float32Array(SR));
    expect(d.detectionFunction.length).toBe(1 + Math.floor(SR / d.hopLength));
  });

  it('rejects bad input', () => {
    expect(() => detectOnsets([1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => detectOnsets(new Float32Array(100), { lag: 0 })).toThrow(TypeError);
    expect(() => detectOnsets(new Float32Array(100), { sustainFrames: 0 })).toThrow(/sustainFrames/);
    expect(() => detectOnsets(new Float32Array(100), { minSustainedRise: -1 })).toThrow(/minSustainedRise/);
    const tracker = createOnsetTracker();
    tracker.finish();
    expect(() => tracker.push(new Float32Array(10))).toThrow(/after finish/);
  });
});
