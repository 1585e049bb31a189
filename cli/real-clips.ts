/**
 * Evaluation on a folder of real clips whose class is in the file name (e.g. `gu_buzzy4.wav`), such as
 * ../shared/reference/real-clips. Evaluation only: nothing here trains or tunes on them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../adapters/config';
import { loadAudio } from '../shared/audio/load';
import { ClipClassifier, toPrediction } from '../shared/classifier';
import { CLASSES, ToneClass } from '../shared/constants';
import { EvaluationReport, evaluatePredictions } from '../shared/model/evaluate';

export const REFERENCE_REAL_CLIPS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'reference', 'real-clips');

export function labelFromFileName(file: string): ToneClass | null {
  const found = CLASSES.filter((c) => path.basename(file).toLowerCase().includes(c));
  return found.length === 1 ? found[0] : null;
}

export interface RealClipResult {
  file: string;
  label: ToneClass;
  predicted: ToneClass;
  confidence: number;
  correct: boolean;
}

/** Null when the folder does not exist (e.g. a checkout without ../shared). */
export async function evaluateRealClips(classifier: ClipClassifier, dir = REFERENCE_REAL_CLIPS_DIR): Promise<{ report: EvaluationReport; clips: RealClipResult[] } | null> {
  if (!fs.existsSync(dir)) return null;
  const files = fs.readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.wav') && labelFromFileName(f)).sort();
  if (files.length === 0) return null;
  const audio = files.map((f) => loadAudio(new Uint8Array(fs.readFileSync(path.join(dir, f)))).samples);
  const probs = await classifier.classifyClips(audio);
  const labels = files.map((f) => CLASSES.indexOf(labelFromFileName(f)!));
  const flat = probs.flatMap((p) => CLASSES.map((c) => p[c]));
  const clips = files.map((file, i) => {
    const pred = toPrediction(probs[i]);
    return { file, label: CLASSES[labels[i]], predicted: pred.label, confidence: pred.confidence, correct: pred.label === CLASSES[labels[i]] };
  });
  return { report: evaluatePredictions({ labels, probabilities: flat }), clips };
}
