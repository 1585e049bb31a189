import { matchOnsets, onsetScores } from '../../shared/onsets/evaluate';

describe('onsetScores (MIREX ±50 ms, one-to-one)', () => {
  it('scores perfect, partial and empty detections', () => {
    expect(onsetScores([1, 2, 3], [1, 2, 3])).toMatchObject({ precision: 1, recall: 1, f1: 1, truePositives: 3, meanAbsErrorSec: 0 });
    const s = onsetScores([1.04, 2.2, 3], [1, 2, 3]);
    expect(s.truePositives).toBe(2);
    expect(s.falsePositives).toBe(1);
    expect(s.falseNegatives).toBe(1);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.meanAbsErrorSec).toBeCloseTo(0.02, 12);
    expect(s.meanErrorSec).toBeCloseTo(0.02, 12);
    expect(onsetScores([], [1])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(onsetScores([], [])).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });

  it('matches each truth at most once and prefers the closest pairs', () => {
    // Two detections near one truth: one match, one false positive.
    expect(onsetScores([0.99, 1.01], [1])).toMatchObject({ truePositives: 1, falsePositives: 1, falseNegatives: 0 });
    // Greedy closest-first: 1.04 pairs with 1.05 (0.01) rather than 1.0, leaving 1.0 for 0.97.
    const s = onsetScores([0.97, 1.04], [1.0, 1.05]);
    expect(s.truePositives).toBe(2);
    // Order of inputs does not matter.
    expect(onsetScores([3, 1, 2], [2, 3, 1]).f1).toBe(1);
  });

  it('honours the tolerance and rejects bad input', () => {
    expect(onsetScores([1.06], [1]).truePositives).toBe(0);
    expect(onsetScores([1.06], [1], 0.07).truePositives).toBe(1);
    expect(() => onsetScores([NaN], [1])).toThrow(TypeError);
    expect(() => onsetScores([1], [1], 0)).toThrow(TypeError);
  });
});

describe('matchOnsets (the pairs behind onsetScores)', () => {
  it('returns one-to-one pairs as indices into the inputs as given', () => {
    // Unsorted inputs: indices refer to the caller's arrays, not to sorted copies.
    const detected = [3.01, 0.97, 1.04, 7];
    const truth = [1.05, 3, 1.0];
    const pairs = matchOnsets(detected, truth);
    const sorted = [...pairs].sort((a, b) => a.detected - b.detected);
    expect(sorted).toEqual([
      { detected: 0, truth: 1 },
      { detected: 1, truth: 2 },
      { detected: 2, truth: 0 },
    ]);
    expect(matchOnsets([1], [1.2])).toEqual([]);
    expect(() => matchOnsets([1], [Infinity])).toThrow(TypeError);
  });
});
