/** `buzzfinder evaluate --model <dir> --data <dir> [--split test] [--json]`: metrics of a model on a dataset split. */
import * as path from 'node:path';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { loadDataset } from '../../shared/dataset/read';
import { SPLITS } from '../../shared/dataset/types';
import { BuzzfinderError } from '../../shared/errors';
import { loadClassifier } from '../../shared/model/classifier';
import { buildFeatureSet } from '../../shared/model/data';
import { formatEvaluation } from '../../shared/model/evaluate';
import { evaluateModel } from '../../shared/model/fit';
import { parseCommandArgs, UsageError } from '../args';
import { evaluateRealClips } from '../real-clips';
import { checkDatasetDir, checkInputPath, checkModelDir } from '../inputs';

const HELP = `Usage: buzzfinder evaluate --model <dir> --data <dataset dir> [--split test|validation|train|all] [--real-clips <dir>] [--json]
  --split S          which clips (default: test, the held-out split)
  --real-clips DIR   also evaluate a folder of WAVs whose class is in the file name (e.g. gu_buzzy4.wav)
  --json             print the full report (accuracy, loss, per-class precision/recall/F1, confusion, bySource, byGroup)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { model: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, 'real-clips': { type: 'string' }, json: { type: 'boolean' } },
    HELP,
    false,
  );
  if (!values.model) throw new UsageError('--model <dir> is required');
  if (!values.data) throw new UsageError('--data <dataset dir> is required');
  const split = values.split ?? 'test';
  if (split !== 'all' && !(SPLITS as readonly string[]).includes(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, all`);
  const dataDir = path.resolve(values.data);
  checkModelDir(path.resolve(values.model));
  checkDatasetDir(dataDir);
  if (values['real-clips']) checkInputPath(path.resolve(values['real-clips']));
  await initTf();
  const classifier = await loadClassifier(new LocalFolderStore(path.resolve(values.model)), '');
  const { manifest, clips } = await loadDataset(new LocalFolderStore(dataDir), '');
  const chosen = split === 'all' ? clips : clips.filter((c) => c.split === split);
  if (chosen.length === 0) throw new BuzzfinderError('empty_split', `the dataset has no '${split}' clips (try --split all)`);
  const set = buildFeatureSet({ pipeline: classifier.pipeline, clips: chosen });
  const report = evaluateModel(classifier.model, set);
  const real = values['real-clips'] ? await evaluateRealClips(classifier, path.resolve(values['real-clips'])) : null;
  classifier.dispose();
  const model = { name: classifier.identity.name, version: classifier.identity.version, featurePipeline: classifier.pipeline };
  if (values.json) {
    process.stdout.write(JSON.stringify({ model, dataset: manifest.id, split, ...report, ...(real ? { realClips: { ...real.report, clips: real.clips } } : {}) }, null, 2) + '\n');
  } else {
    process.stdout.write(formatEvaluation(report, `${model.name} ${model.version} on ${split} (${set.n} clips)`) + '\n');
    for (const [source, s] of Object.entries(report.bySource ?? {})) process.stdout.write(`  source ${source}: n=${s.n} accuracy=${(s.accuracy * 100).toFixed(1)}% macro-F1=${s.macroF1.toFixed(3)}\n`);
    if (real) {
      process.stdout.write(formatEvaluation(real.report, 'real clips') + '\n');
      for (const c of real.clips) process.stdout.write(`  ${c.correct ? 'ok  ' : 'MISS'} ${c.file}: ${c.predicted} (${c.confidence.toFixed(3)})\n`);
    }
  }
  return 0;
}
