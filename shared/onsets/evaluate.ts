/**
 * Onset evaluation, MIREX convention: a detection matches a true onset when within ±tolerance;
 * each true onset and each detection is used at most once (greedy by time distance, closest pairs first).
 */
export interface OnsetScores {
  precision: number;
  recall: number;
  f1: number;
  /** Matched pairs. */
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Mean |detected - truth| over matched pairs, seconds (0 when nothing matched). */
  meanAbsErrorSec: number;
  /** Mean (detected - truth) over matched pairs: positive = detections late. */
  meanErrorSec: number;
  toleranceSec: number;
}

function assertTimes(name: string, times: readonly number[]): void {
  if (!Array.isArray(times)) throw new TypeError(`onsetScores: ${name} must be an array of seconds`);
  for (const t of times) if (typeof t !== 'number' || !Number.isFinite(t)) throw new TypeError(`onsetScores: ${name} contains a non-finite value ${t}`);
}

/**
 * One-to-one matches of detected to true onsets (indices into the inputs as given, any order), closest pairs
 * first, each within ±toleranceSec.
 */
export function matchOnsets(detected: readonly number[], truth: readonly number[], toleranceSec = 0.05): { detected: number; truth: number }[] {
  assertTimes('detected', detected);
  assertTimes('truth', truth);
  if (!(toleranceSec > 0)) throw new TypeError(`onsetScores: toleranceSec must be > 0, got ${toleranceSec}`);
  const byTime = (xs: readonly number[]) => xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b] || a - b);
  const d = byTime(detected);
  const g = byTime(truth);
  // Candidate pairs within tolerance (two-pointer sweep keeps this linear-ish), then greedy closest-first.
  const pairs: { i: number; j: number; dist: number }[] = [];
  let lo = 0;
  for (let i = 0; i < d.length; i++) {
    const t = detected[d[i]];
    while (lo < g.length && truth[g[lo]] < t - toleranceSec) lo++;
    for (let j = lo; j < g.length && truth[g[j]] <= t + toleranceSec; j++) pairs.push({ i, j, dist: Math.abs(t - truth[g[j]]) });
  }
  pairs.sort((a, b) => a.dist - b.dist || a.i - b.i || a.j - b.j);
  const usedD = new Uint8Array(d.length);
  const usedG = new Uint8Array(g.length);
  const matches: { detected: number; truth: number }[] = [];
  for (const p of pairs) {
    if (usedD[p.i] || usedG[p.j]) continue;
    usedD[p.i] = 1;
    usedG[p.j] = 1;
    matches.push({ detected: d[p.i], truth: g[p.j] });
  }
  return matches;
}

export function onsetScores(detected: readonly number[], truth: readonly number[], toleranceSec = 0.05): OnsetScores {
  const matches = matchOnsets(detected, truth, toleranceSec);
  const tp = matches.length;
  let absSum = 0;
  let signedSum = 0;
  for (const m of matches) {
    absSum += Math.abs(detected[m.detected] - truth[m.truth]);
    signedSum += detected[m.detected] - truth[m.truth];
  }
  const fp = detected.length - tp;
  const fn = truth.length - tp;
  // Conventions for empty sets: nothing to find and nothing found is perfect.
  const precision = detected.length === 0 ? (truth.length === 0 ? 1 : 0) : tp / detected.length;
  const recall = truth.length === 0 ? (detected.length === 0 ? 1 : 0) : tp / truth.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    precision,
    recall,
    f1,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    meanAbsErrorSec: tp ? absSum / tp : 0,
    meanErrorSec: tp ? signedSum / tp : 0,
    toleranceSec,
  };
}
