/**
 * `buzzfinder classify <clip.wav>... [--model <dir>] [--json]`: buzzy / clean / muted for each 2 s clip
 * (onset at 0.1 s, any WAV the audio loader accepts; only the first 2 s are used).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../adapters/config';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { loadAudio } from '../../shared/audio/load';
import { toPrediction } from '../../shared/classifier';
import { CLASSES } from '../../shared/constants';
import { BuzzfinderError } from '../../shared/errors';
import { loadClassifier } from '../../shared/model/classifier';
import { parseCommandArgs, UsageError } from '../args';

const HELP = `Usage: buzzfinder classify <clip.wav>... [--model <dir>] [--json]
  --model DIR   model folder (model.json, weights.bin, metadata.json); default: the bundled models/default
                (or $BUZZFINDER_DEFAULT_MODEL_DIR)
  --json        print a JSON array, one {"file","label","confidence","probabilities"} per file, in argument order`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { model: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (positionals.length === 0) throw new UsageError('give at least one WAV file');
  const config = loadConfig();
  const modelDir = path.resolve(values.model ?? config.defaultModelDir);
  const clips = positionals.map((file) => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(fs.readFileSync(file));
    } catch (err) {
      throw new BuzzfinderError('file_not_found', `cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      return loadAudio(bytes, { maxBytes: config.maxUploadBytes }).samples;
    } catch (err) {
      if (err instanceof BuzzfinderError) throw new BuzzfinderError(err.code, `${file}: ${err.message}`);
      throw err;
    }
  });
  await initTf();
  const classifier = await loadClassifier(new LocalFolderStore(modelDir), '');
  const probabilities = await classifier.classifyClips(clips);
  classifier.dispose();
  const results = positionals.map((file, i) => {
    const p = toPrediction(probabilities[i]);
    return { file, label: p.label, confidence: p.confidence, probabilities: p.probabilities };
  });
  if (values.json) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  } else {
    const width = Math.max(4, ...positionals.map((f) => f.length));
    process.stdout.write(`${'file'.padEnd(width)}  label   conf   ${CLASSES.map((c) => c.padStart(7)).join('')}\n`);
    for (const r of results) {
      process.stdout.write(
        `${r.file.padEnd(width)}  ${r.label.padEnd(6)}  ${r.confidence.toFixed(3)}  ${CLASSES.map((c) => r.probabilities[c].toFixed(3).padStart(7)).join('')}\n`,
      );
    }
    process.stderr.write(`model ${classifier.identity.name} ${classifier.identity.version} (${modelDir})\n`);
  }
  return 0;
}
