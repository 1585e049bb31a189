/**
 * What the report pipeline and the cloud handlers need from a model, without depending on tfjs.
 * shared/model/ provides the tfjs implementation.
 */
import { CLASSES, ToneClass } from './constants';
import type { ClipPlacement } from './features/pipeline';

export type ClassProbabilities = Record<ToneClass, number>;

export interface ModelIdentity {
  name: string;
  version: string;
}

export interface ClipClassifier {
  readonly identity: ModelIdentity;
  /**
   * Each clip: CLIP_SAMPLES mono samples at SAMPLE_RATE, the onset near its start (training clips: PRE_ONSET_SECONDS;
   * report clips: REPORT_PRE_ONSET_SECONDS). Probabilities in CLASSES order.
   * `placement` (clips cut from one take) only saves work: the results are the same without it.
   */
  classifyClips(clips: Float32Array[], placement?: ClipPlacement): Promise<ClassProbabilities[]>;
  /**
   * Optional: a CLIP_SAMPLES buffer that an earlier classifyClips call handed over and no longer needs, for the
   * caller to cut its next clip into (undefined when none is free). Only saves fresh memory: a clip passed to
   * classifyClips may be moved to another thread, so its caller never reuses it on its own.
   */
  reusableClip?(): Float32Array | undefined;
}

export interface Prediction {
  label: ToneClass;
  confidence: number;
  probabilities: ClassProbabilities;
}

/** argmax over CLASSES (ties go to the earlier class, deterministically). */
export function toPrediction(probabilities: ClassProbabilities): Prediction {
  let label: ToneClass = CLASSES[0];
  for (const c of CLASSES) if (probabilities[c] > probabilities[label]) label = c;
  return { label, confidence: probabilities[label], probabilities };
}

export function probabilitiesFromVector(values: ArrayLike<number>): ClassProbabilities {
  if (values.length !== CLASSES.length) throw new TypeError(`expected ${CLASSES.length} probabilities, got ${values.length}`);
  return Object.fromEntries(CLASSES.map((c, i) => [c, values[i]])) as ClassProbabilities;
}
