/**
 * Does the model need the onset exactly where its training clips put it (PRE_ONSET_SECONDS)? A clip cut by a person
 * or another program (the classify endpoint, the original project's recordings) starts a little earlier or later.
 * Isolated generated notes (isolated-notes.ts) are moved so that their onset sits at each position, given a -60 dBFS
 * noise floor, and classified by each model. Generated notes only (seeded), so any model may be chosen on it.
 *   npx tsx bench/onset-position.ts [--models models/default,<dir>...] [--notes 100] [--seed 8] [--positions 0.04,0.07,...]
 * Prints accuracy for each model and onset position, then one JSON line.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../adapters/config';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { CLASSES, CLIP_SAMPLES, PRE_ONSET_SECONDS, SAMPLE_RATE } from '../shared/constants';
import { loadClassifier } from '../shared/model/classifier';
import { renderIsolatedNotes, scoreIsolatedNotes } from './isolated-notes';

const FLOOR_DBFS = -60;

/** `samples` (onset at PRE_ONSET_SECONDS) moved so that the onset sits at `onsetSec`; zeros where nothing was. */
function moved(samples: Float32Array, onsetSec: number): Float32Array {
  const shift = Math.round((onsetSec - PRE_ONSET_SECONDS) * SAMPLE_RATE);
  const out = new Float32Array(CLIP_SAMPLES);
  for (let i = 0; i < CLIP_SAMPLES; i++) {
    const j = i - shift;
    if (j >= 0 && j < samples.length) out[i] = samples[j];
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      notes: { type: 'string', default: '100' },
      seed: { type: 'string', default: '8' },
      positions: { type: 'string', default: '0.04,0.07,0.1,0.13,0.16,0.2,0.3' },
    },
  });
  const models = (values.models ?? path.join(REPO_ROOT, 'models', 'default')).split(',');
  const positions = values.positions!.split(',').map(Number);
  if (!positions.every((p) => p >= 0 && p < 1.5)) throw new Error(`--positions: onsets in [0, 1.5) s, got ${values.positions}`);
  const seed = Number(values.seed);
  await initTf();
  const notes = renderIsolatedNotes(Number(values.notes), seed);
  const results: Record<string, Record<string, unknown>> = {};
  for (const dir of models) {
    const classifier = await loadClassifier(new LocalFolderStore(path.resolve(dir)), '');
    results[dir] = {};
    const line: string[] = [];
    for (const onsetSec of positions) {
      const r = await scoreIsolatedNotes(classifier, notes, { floorDb: FLOOR_DBFS, seed, place: (samples) => moved(samples, onsetSec) });
      results[dir][onsetSec] = { accuracy: r.accuracy, recall: Object.fromEntries(CLASSES.map((c) => [c, r.perClass[c].recall])) };
      line.push(`${onsetSec.toFixed(2)} s ${(100 * r.accuracy).toFixed(1)} %`);
    }
    console.log(`${classifier.identity.version} (${dir}), onset at: ${line.join(', ')}`);
    classifier.dispose();
  }
  console.log(JSON.stringify({ area: 'onset-position', seed, notesPerClass: Number(values.notes), floorDbfs: FLOOR_DBFS, positions, results }));
}

void main();
