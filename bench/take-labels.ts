/**
 * Label accuracy inside whole takes (issue 11's third target, on synthetic takes with exact truth): each take
 * goes through the report pipeline (onsets, clips, model); every true note matched by a detected onset within
 * 50 ms counts as right when the report's label is its class. Also the accuracy with clips cut at the true
 * onsets (the model alone, without the detector's timing), and the isolated notes' accuracy for contrast is in
 * docs/model.md.
 *   npx tsx bench/take-labels.ts [--models models/default,<dir>...] [--seeds 101,102,103] [--seconds 60] [--condition mixed]
 * Prints a table per model, then one JSON line.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { REPO_ROOT } from '../adapters/config';
import { CLASSES, SAMPLE_RATE, ToneClass } from '../shared/constants';
import { loadClassifier } from '../shared/model/classifier';
import { matchOnsets } from '../shared/onsets/evaluate';
import { buildTakeReport } from '../shared/report/build';
import { cutClip } from '../shared/report/clips';
import { synthesizeTake, TakeCondition } from '../shared/synth/take';
import { toPrediction } from '../shared/classifier';

type Confusion = Record<ToneClass, Record<ToneClass, number>>;

const emptyConfusion = (): Confusion => Object.fromEntries(CLASSES.map((t) => [t, Object.fromEntries(CLASSES.map((p) => [p, 0]))])) as Confusion;

function summarize(confusion: Confusion) {
  const total = CLASSES.reduce((s, t) => s + CLASSES.reduce((u, p) => u + confusion[t][p], 0), 0);
  const right = CLASSES.reduce((s, c) => s + confusion[c][c], 0);
  const recall = Object.fromEntries(CLASSES.map((t) => [t, confusion[t][t] / Math.max(1, CLASSES.reduce((u, p) => u + confusion[t][p], 0))]));
  return { notes: total, accuracy: total ? right / total : 0, recall };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { models: { type: 'string' }, seeds: { type: 'string', default: '101,102,103' }, seconds: { type: 'string', default: '60' }, condition: { type: 'string', default: 'mixed' } },
  });
  const models = (values.models ?? path.join(REPO_ROOT, 'models', 'default')).split(',');
  const seeds = values.seeds!.split(',').map(Number);
  const seconds = Number(values.seconds);
  const condition = values.condition as TakeCondition;
  await initTf();
  const takes = seeds.map((seed) => synthesizeTake({ seconds, seed, condition }));
  const results: Record<string, unknown> = {};
  for (const dir of models) {
    const classifier = await loadClassifier(new LocalFolderStore(path.resolve(dir)), '');
    const inTake = emptyConfusion();
    const atTrueOnsets = emptyConfusion();
    let truthNotes = 0;
    for (const take of takes) {
      const report = await buildTakeReport({ source: 'take.wav', audio: { sampleRate: SAMPLE_RATE, durationSec: take.samples.length / SAMPLE_RATE, samples: take.samples }, classifier });
      const truth = take.truth.notes;
      truthNotes += truth.length;
      for (const m of matchOnsets(report.notes.map((n) => n.onsetSec), truth.map((n) => n.onsetSec))) inTake[truth[m.truth].label][report.notes[m.detected].label]++;
      const clips = truth.map((n, i) =>
        cutClip({ source: take.samples, onsetSample: Math.round(n.onsetSec * SAMPLE_RATE), nextOnsetSample: i + 1 < truth.length ? Math.round(truth[i + 1].onsetSec * SAMPLE_RATE) : null }),
      );
      const probs = await classifier.classifyClips(clips);
      probs.forEach((p, i) => atTrueOnsets[truth[i].label][toPrediction(p).label]++);
    }
    const row = { model: classifier.identity.version, truthNotes, inTake: { ...summarize(inTake), confusion: inTake }, atTrueOnsets: { ...summarize(atTrueOnsets), confusion: atTrueOnsets } };
    results[dir] = row;
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const recalls = (r: Record<string, number>) => CLASSES.map((c) => pct(r[c])).join(' / ');
    console.log(`${row.model} (${dir}): ${seeds.length} x ${seconds} s ${condition} takes, ${truthNotes} notes`);
    console.log(`  in the report (matched within 50 ms: ${row.inTake.notes}): ${pct(row.inTake.accuracy)}  recall ${CLASSES.join('/')} ${recalls(row.inTake.recall)}`);
    console.log(`  clips at the true onsets:                ${pct(row.atTrueOnsets.accuracy)}  recall ${recalls(row.atTrueOnsets.recall)}`);
    console.log(`  confusion in the report (rows true, cols ${CLASSES.join(', ')}): ${CLASSES.map((t) => CLASSES.map((p) => inTake[t][p]).join(' ')).join(' | ')}`);
    classifier.dispose();
  }
  console.log(JSON.stringify({ area: 'take-labels', seeds, seconds, condition, results }));
}

void main();
