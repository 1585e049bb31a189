/**
 * Note onset detection for guitar takes: the SuperFlux-style, level-independent detection function (flux.ts)
 * with adaptive peak picking (tracker.ts). Peak-picking windows are in seconds; the flux's lag and reference
 * window are in frames of the default hop (256 samples).
 * The defaults were chosen on a few synthetic seeds per condition and checked on other seeds, another
 * generator and the reference take (docs/report.md).
 */
import { SAMPLE_RATE } from '../constants';
import { FLUX_DEFAULTS, FluxOptions } from './flux';
import { OnsetTracker, PickOptions, TrackedOnset, TrackerOptions } from './tracker';

const DETECT_CHUNK = SAMPLE_RATE * 10;

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
  minSustainedRise: 0,
  sustainFrames: 3,
};

/**
 * Click rejection by sustained band rise (`buzzfinder report --reject-clicks`): removes most non-note clicks
 * (reference take F1 0.83 -> 1.00) at the cost of some very short muted notes; off by default (docs/report.md).
 */
export const REJECT_CLICKS: DetectOnsetsOptions = { minSustainedRise: 0.01 };

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
  // Fed in 10 s chunks (identical onsets, tested): the tracker then never holds a copy of the whole signal.
  const onsets: TrackedOnset[] = [];
  for (let i = 0; i < y.length; i += DETECT_CHUNK) onsets.push(...tracker.push(y.subarray(i, Math.min(y.length, i + DETECT_CHUNK))));
  onsets.push(...tracker.finish());
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
