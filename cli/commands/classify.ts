/**
 * `buzzfinder classify <clip.wav>... [--model <dir>] [--json]`: buzzy / clean / muted for each 2 s clip
 * (onset at 0.1 s, any WAV the audio loader accepts; only the first 2 s are used).
 */
import * as path from 'node:path';
import { loadConfig } from '../../adapters/config';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { loadAudio } from '../../shared/audio/load';
import { ClassProbabilities, toPrediction } from '../../shared/classifier';
import { CLASSES, CLIP_SAMPLES } from '../../shared/constants';
import { assessNoNote, describeNoNote, measureClipLevels } from '../../shared/no-note';
import { BuzzfinderError } from '../../shared/errors';
import { loadClassifier } from '../../shared/model/classifier';
import { parseCommandArgs, UsageError } from '../args';
import { CliError } from '../errors';
import { checkModelDir, readInputFile } from '../inputs';

const HELP = `Usage: buzzfinder classify <clip.wav>... [--model <dir>] [--json]
  --model DIR   model folder (model.json, weights.bin, metadata.json); default: the bundled models/default
                (or $BUZZFINDER_DEFAULT_MODEL_DIR)
  --json        print a JSON array, one {"file","label","confidence","probabilities","levelDb"} per file, in argument order
Each file stands alone: a file that cannot be read or decoded gets {"file","error":{code,message}}, and a clip that
is not a note (silence, steady noise, the model not confident) keeps its label but gets
"error":{"code":"no_note","reason","levelDb","message"}. Exit status 1 when any file has an error (each is also
printed on stderr as "error [code]: ..."), 0 otherwise.`;

interface ClipResult {
  file: string;
  label?: string;
  confidence?: number;
  probabilities?: Record<string, number>;
  /** Loudest 46 ms of the clip, dBFS (shared/no-note.ts). */
  levelDb?: number;
  /** Per file: a decoder code (not_wav, ...), file_not_found, or no_note with its reason and level. */
  error?: { code: string; message: string } & Record<string, unknown>;
}

/** Decoded first 2 s of a file, or its error (each file stands alone: one bad file does not hide the others). */
function readClip(file: string, maxBytes: number): { clip: Float32Array } | { error: ClipResult['error'] } {
  let bytes: Uint8Array;
  try {
    bytes = readInputFile(file);
  } catch (err) {
    if (err instanceof CliError) return { error: { code: err.code, message: err.message } };
    throw err;
  }
  try {
    return { clip: loadAudio(bytes, { maxBytes }).samples.subarray(0, CLIP_SAMPLES) };
  } catch (err) {
    if (err instanceof BuzzfinderError) return { error: { code: err.code, message: `${file}: ${err.message}` } };
    throw err;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { model: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (positionals.length === 0) throw new UsageError('give at least one WAV file');
  const config = loadConfig();
  const modelDir = path.resolve(values.model ?? config.defaultModelDir);
  checkModelDir(modelDir);
  const read = positionals.map((file) => readClip(file, config.maxUploadBytes));
  const clips = read.flatMap((r) => ('clip' in r ? [r.clip] : []));
  let probabilities: ClassProbabilities[] = [];
  let identity = null;
  if (clips.length > 0) {
    await initTf();
    const classifier = await loadClassifier(new LocalFolderStore(modelDir), '');
    probabilities = await classifier.classifyClips(clips);
    identity = classifier.identity;
    classifier.dispose();
  }
  let k = 0;
  const results: ClipResult[] = positionals.map((file, i) => {
    const r = read[i];
    if (!('clip' in r)) return { file, error: r.error };
    const p = toPrediction(probabilities[k++]);
    const levels = measureClipLevels(r.clip);
    const noNote = assessNoNote(levels, p.probabilities);
    const error = noNote ? { code: 'no_note', message: `${file}: ${describeNoNote(noNote)}`, reason: noNote.reason, levelDb: noNote.levelDb } : undefined;
    return { file, label: p.label, confidence: p.confidence, probabilities: p.probabilities, levelDb: levels.levelDb, ...(error ? { error } : {}) };
  });
  if (values.json) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  } else {
    const width = Math.max(4, ...positionals.map((f) => f.length));
    process.stdout.write(`${'file'.padEnd(width)}  label   conf   ${CLASSES.map((c) => c.padStart(7)).join('')}\n`);
    for (const r of results) {
      if (!r.probabilities) {
        process.stdout.write(`${r.file.padEnd(width)}  -\n`);
        continue;
      }
      const label = r.error ? 'no note' : r.label!;
      process.stdout.write(
        `${r.file.padEnd(width)}  ${label.padEnd(6)}  ${r.confidence!.toFixed(3)}  ${CLASSES.map((c) => r.probabilities![c].toFixed(3).padStart(7)).join('')}\n`,
      );
    }
    if (identity) process.stderr.write(`model ${identity.name} ${identity.version} (${modelDir})\n`);
  }
  const failed = results.filter((r) => r.error);
  for (const r of failed) process.stderr.write(`buzzfinder classify: error [${r.error!.code}]: ${r.error!.message}\n`);
  return failed.length > 0 ? 1 : 0;
}
