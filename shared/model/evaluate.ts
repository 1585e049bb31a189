/**
 * Classification metrics from predicted probabilities: accuracy, mean cross-entropy, per-class
 * precision/recall/F1, confusion matrix (rows = true class, columns = predicted, CLASSES order),
 * and the same broken down by any grouping (source, group).
 */
import { CLASSES, ToneClass } from '../constants';

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvaluationSummary {
  n: number;
  accuracy: number;
  /** Mean sparse categorical cross-entropy (probabilities clipped to [1e-7, 1 - 1e-7], as Keras does). */
  loss: number;
  macroF1: number;
  perClass: Record<ToneClass, ClassScores>;
  /** confusion[true][predicted]. */
  confusion: number[][];
}

export interface EvaluationReport extends EvaluationSummary {
  bySource?: Record<string, EvaluationSummary>;
  byGroup?: Record<string, EvaluationSummary>;
}

export interface EvaluationInput {
  /** True class index (into CLASSES) per example. */
  labels: ArrayLike<number>;
  /** n x CLASSES.length probabilities, row-major. */
  probabilities: ArrayLike<number>;
  sources?: readonly string[];
  groups?: readonly string[];
}

const K = CLASSES.length;
const EPS = 1e-7;

export function argmaxRow(probabilities: ArrayLike<number>, row: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (probabilities[row * K + k] > probabilities[row * K + best]) best = k;
  return best;
}

function summarise(labels: ArrayLike<number>, probabilities: ArrayLike<number>, rows: number[]): EvaluationSummary {
  const confusion = CLASSES.map(() => new Array<number>(K).fill(0));
  let loss = 0;
  for (const i of rows) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= K) throw new TypeError(`evaluate: label ${y} at ${i} is not a class index`);
    confusion[y][argmaxRow(probabilities, i)]++;
    loss -= Math.log(Math.min(Math.max(probabilities[i * K + y], EPS), 1 - EPS));
  }
  const n = rows.length;
  const correct = confusion.reduce((s, row, k) => s + row[k], 0);
  const perClass = {} as Record<ToneClass, ClassScores>;
  let f1Sum = 0;
  CLASSES.forEach((c, k) => {
    const tp = confusion[k][k];
    const predicted = confusion.reduce((s, row) => s + row[k], 0);
    const support = confusion[k].reduce((s, v) => s + v, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[c] = { precision, recall, f1, support };
    f1Sum += f1;
  });
  return { n, accuracy: n ? correct / n : 0, loss: n ? loss / n : 0, macroF1: f1Sum / K, perClass, confusion };
}

function breakdown(input: EvaluationInput, keys: readonly string[]): Record<string, EvaluationSummary> {
  const rowsByKey = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const rows = rowsByKey.get(k) ?? [];
    rows.push(i);
    rowsByKey.set(k, rows);
  });
  const out: Record<string, EvaluationSummary> = {};
  for (const k of [...rowsByKey.keys()].sort()) out[k] = summarise(input.labels, input.probabilities, rowsByKey.get(k)!);
  return out;
}

export function evaluatePredictions(input: EvaluationInput): EvaluationReport {
  const n = input.labels.length;
  if (input.probabilities.length !== n * K) throw new TypeError(`evaluate: ${n} labels need ${n * K} probabilities, got ${input.probabilities.length}`);
  for (const [name, keys] of [['sources', input.sources], ['groups', input.groups]] as const) {
    if (keys && keys.length !== n) throw new TypeError(`evaluate: ${name} has ${keys.length} entries for ${n} examples`);
  }
  const report: EvaluationReport = summarise(input.labels, input.probabilities, Array.from({ length: n }, (_, i) => i));
  if (input.sources) report.bySource = breakdown(input, input.sources);
  if (input.groups) report.byGroup = breakdown(input, input.groups);
  return report;
}

/** A compact readable table of a report (for the CLI and docs). */
export function formatEvaluation(report: EvaluationSummary, title = 'evaluation'): string {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const lines = [
    `${title}: n=${report.n}  accuracy=${pct(report.accuracy)}  loss=${report.loss.toFixed(4)}  macro-F1=${report.macroF1.toFixed(3)}`,
    `  class     precision  recall  f1     support`,
    ...CLASSES.map((c) => {
      const s = report.perClass[c];
      return `  ${c.padEnd(9)} ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(6)}  ${s.f1.toFixed(3)}  ${String(s.support).padStart(7)}`;
    }),
    `  confusion (rows true, cols predicted: ${CLASSES.join(', ')})`,
    ...report.confusion.map((row, k) => `  ${CLASSES[k].padEnd(9)} ${row.map((v) => String(v).padStart(6)).join('')}`),
  ];
  return lines.join('\n');
}
