/**
 * Note onset detection for guitar takes: the SuperFlux-style, level-independent detection function (flux.ts)
 * with adaptive peak picking (tracker.ts). Peak-picking windows are in seconds; the flux's lag and reference
 * window are in frames of the default hop (256 samples).
 * The defaults were chosen on a few synthetic seeds per condition and checked on other seeds, another
 * generator and the reference take (docs/report.md).
 */
import { SAMPLE_RATE } from '../constants';
import { FLUX_DEFAULTS, FluxOptions } from './flux';
import { OnsetTracker, PickOptions, TrackerOptions } from './tracker';

export type DetectOnsetsOptions = Partial<FluxOptions & PickOptions>;

export const PICK_DEFAULTS: PickOptions = {
  preMaxSec: 0.03,
  postMaxSec: 0.03,
  preAvgSec: 0.1,
  postAvgSec: 0.07,
  delta: 0.2,
  threshold: 0.2,
  minGapSec: 0.06,
  latencySec: 0,
  persistFrames: 5,
  minPersistence: 0,
};

export function resolveDetectOptions(options: DetectOnsetsOptions = {}): TrackerOptions {
  return { ...FLUX_DEFAULTS, ...PICK_DEFAULTS, sampleRate: SAMPLE_RATE, ...options };
}

export interface OnsetDetection {
  /** Onset times, seconds, ascending. */
  times: number[];
  /** Detection-function value at each onset (mean dB rise per band): how clear each attack was. */
  strengths: number[];
  /** The detection function (one value per hop). */
  detectionFunction: Float32Array;
  hopLength: number;
}

export function createOnsetTracker(options: DetectOnsetsOptions = {}): OnsetTracker {
  return new OnsetTracker(resolveDetectOptions(options));
}

export function detectOnsetsDetailed(y: Float32Array, options: DetectOnsetsOptions = {}): OnsetDetection {
  if (!(y instanceof Float32Array)) throw new TypeError('detectOnsets: y must be a Float32Array');
  const resolved = resolveDetectOptions(options);
  const tracker = new OnsetTracker(resolved);
  const onsets = [...tracker.push(y), ...tracker.finish()];
  return {
    times: onsets.map((o) => o.timeSec),
    strengths: onsets.map((o) => o.strength),
    detectionFunction: Float32Array.from(tracker.detectionFunction),
    hopLength: resolved.hopLength,
  };
}

/** Onset times in seconds (ascending) of the notes in `y` (mono, SAMPLE_RATE unless options.sampleRate). */
export function detectOnsets(y: Float32Array, options: DetectOnsetsOptions = {}): number[] {
  return detectOnsetsDetailed(y, options).times;
}
