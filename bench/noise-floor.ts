/**
 * Does the model need hiss to hear a clean note? Isolated generated notes (no neighbours), each recorded with its
 * room and then with a fixed noise floor from almost silent (-90 dBFS, a quiet studio or DI) to loud (-50 dBFS, a
 * phone), classified by each model. A model that learnt "clean notes come with hiss" loses clean recall as the floor
 * drops. Generated notes only (seeded), so any model may be chosen on it.
 *   npx tsx bench/noise-floor.ts [--models models/default,<dir>...] [--notes 100] [--seed 7] [--floors -90,-75,-60,-50]
 * Prints per-class recall for each model and floor, then one JSON line.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { REPO_ROOT } from '../adapters/config';
import { CLASSES } from '../shared/constants';
import { loadClassifier } from '../shared/model/classifier';
import { renderIsolatedNotes, scoreIsolatedNotes } from './isolated-notes';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      notes: { type: 'string', default: '100' },
      seed: { type: 'string', default: '7' },
      floors: { type: 'string', default: '-90,-75,-60,-50' },
    },
  });
  const models = (values.models ?? path.join(REPO_ROOT, 'models', 'default')).split(',');
  const floors = values.floors!.split(',').map(Number);
  const seed = Number(values.seed);
  await initTf();
  const notes = renderIsolatedNotes(Number(values.notes), seed);
  const results: Record<string, Record<string, unknown>> = {};
  for (const dir of models) {
    const classifier = await loadClassifier(new LocalFolderStore(path.resolve(dir)), '');
    results[dir] = {};
    for (const floorDb of floors) {
      const r = await scoreIsolatedNotes(classifier, notes, { floorDb, seed });
      const recall = Object.fromEntries(CLASSES.map((c) => [c, r.perClass[c].recall]));
      results[dir][floorDb] = { accuracy: r.accuracy, recall, confusion: r.confusion };
      const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
      console.log(`${classifier.identity.version} (${dir}) floor ${floorDb} dBFS: ${pct(r.accuracy)}  recall ${CLASSES.map((c) => `${c} ${pct(recall[c])}`).join(', ')}`);
    }
    classifier.dispose();
  }
  console.log(JSON.stringify({ area: 'noise-floor', seed, notesPerClass: Number(values.notes), floors, results }));
}

void main();
