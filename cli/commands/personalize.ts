/**
 * `buzzfinder personalize <labelled clips> --out <model dir> [--from <model dir>] [--seed S] [--budget-sec N]`:
 * tunes a model to a guitarist's own guitar, mic and room from a few labelled notes (read exactly as
 * `dataset import` reads them), replaying generated clips so the other classes are not forgotten.
 * The result is a normal model folder (origin 'personalized'), written atomically (temp folder, then rename).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../adapters/config';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { loadDataset } from '../../shared/dataset/read';
import { loadModelArtifact, saveModelArtifact } from '../../shared/model/artifact';
import { formatEvaluation } from '../../shared/model/evaluate';
import { ModelMetadata, PersonalizationRecord } from '../../shared/model/metadata';
import { evaluateInputs, labelledInputs, personalizeInPlace } from '../../shared/model/personalize';
import {
  assertEnoughShots,
  DEFAULT_PERSONALIZE_CONFIG,
  generateClips,
  LabelledSamples,
  PersonalizeConfig,
  PersonalizeError,
  pickBalanced,
  SHOT_AUGMENT_PROBABILITIES,
  TrainLayers,
} from '../../shared/model/personalize-data';
import { intOption, parseCommandArgs, UsageError } from '../args';
import { checkModelDir } from '../inputs';
import { readLabelledRecordings } from '../recordings';

const D = DEFAULT_PERSONALIZE_CONFIG;
const DEFAULT_BUDGET_SEC = 180;

const HELP = `Usage: buzzfinder personalize <folder | take.wav --labels take.csv> --out <model dir> [options]

Your labelled notes, read as 'buzzfinder dataset import' reads them:
  <folder>       buzzy/ clean/ muted/ subfolders of WAVs, or WAVs with the class in their name (gu_buzzy4.wav)
  <take.wav> --labels <csv>   a take and its onset_sec,label[,midi] rows
Every class needs at least --min-shots notes (default ${D.minShotsPerClass}).

  --out DIR              the new model folder (must not exist or be empty, unless --force)
  --from DIR             base model (default: the bundled models/default, or $BUZZFINDER_DEFAULT_MODEL_DIR)
  --seed S               seed of augmentation, replay clips and batch order (default 1); same seed, same model
  --budget-sec N         stop training after N s, keeping what it reached (default ${DEFAULT_BUDGET_SEC})
  --replay DIR           replay clips from this dataset folder instead of generating them
  --replay-per-class N   replayed clips per class (default ${D.replayPerClass}; 0 = none)
  --shot-examples N      examples per class made from your shots by augmentation (default ${D.shotExamplesPerClass})
  --train-layers L       'head' (layers after the last Flatten/global pooling; default) or 'all'
  --steps N              optimiser steps (default ${D.steps}), --learning-rate LR (default ${D.learningRate})
  --l2sp A               pull toward the base weights: loss += A * sum((w - w_base)^2) (default ${D.l2sp})
  --min-shots N          fewest shots per class accepted (default ${D.minShotsPerClass})
  --holdout-per-class N  generated clips per class to check for forgetting (default ${D.holdoutPerClass}; not trained on)
  --labels CSV           labels of a take; --name N, --version V of the new model; --force replaces --out
Prints a JSON summary (accuracy on your shots and on generated hold-out clips, before and after) to stdout.`;

function positiveNumber(value: string | undefined, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!Number.isFinite(x) || x < 0 || (!allowZero && x === 0)) throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${value}'`);
  return x;
}

/** Refuses to write over an existing model (or anything else) unless forced. */
function checkOut(out: string, force: boolean): void {
  if (!fs.existsSync(out)) return;
  if (!fs.statSync(out).isDirectory()) throw new PersonalizeError('out_exists', `${out} exists and is not a folder`);
  if (!force && fs.readdirSync(out).length > 0) throw new PersonalizeError('out_exists', `${out} is not empty; use --force to replace it`);
}

/** Writes the folder under a temporary name next to `out`, then renames it into place. */
async function writeAtomically(out: string, write: (dir: string) => Promise<void>): Promise<void> {
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.tmp-${process.pid}-${Date.now()}`);
  fs.mkdirSync(tmp, { recursive: true });
  try {
    await write(tmp);
    if (fs.existsSync(out)) {
      const old = `${tmp}.old`;
      fs.renameSync(out, old);
      fs.renameSync(tmp, out);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, out);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      out: { type: 'string' },
      from: { type: 'string' },
      labels: { type: 'string' },
      seed: { type: 'string' },
      'budget-sec': { type: 'string' },
      replay: { type: 'string' },
      'replay-per-class': { type: 'string' },
      'shot-examples': { type: 'string' },
      'train-layers': { type: 'string' },
      steps: { type: 'string' },
      'learning-rate': { type: 'string' },
      l2sp: { type: 'string' },
      'min-shots': { type: 'string' },
      'holdout-per-class': { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      force: { type: 'boolean' },
    },
    HELP,
  );
  if (positionals.length !== 1) throw new UsageError('personalize needs exactly one <folder | take.wav> of labelled notes');
  if (!values.out) throw new UsageError('--out <model dir> is required');
  const trainLayers = (values['train-layers'] ?? D.trainLayers) as TrainLayers;
  if (trainLayers !== 'head' && trainLayers !== 'all') throw new UsageError(`--train-layers must be 'head' or 'all', got '${values['train-layers']}'`);
  const config: PersonalizeConfig = {
    ...D,
    trainLayers,
    steps: intOption(values.steps, 'steps', D.steps),
    learningRate: positiveNumber(values['learning-rate'], 'learning-rate', D.learningRate),
    l2sp: positiveNumber(values.l2sp, 'l2sp', D.l2sp, true),
    shotExamplesPerClass: intOption(values['shot-examples'], 'shot-examples', D.shotExamplesPerClass),
    replayPerClass: intOption(values['replay-per-class'], 'replay-per-class', D.replayPerClass, 0),
    minShotsPerClass: intOption(values['min-shots'], 'min-shots', D.minShotsPerClass),
    holdoutPerClass: intOption(values['holdout-per-class'], 'holdout-per-class', D.holdoutPerClass),
  };
  const seed = intOption(values.seed, 'seed', 1, 0);
  const budgetSec = positiveNumber(values['budget-sec'], 'budget-sec', DEFAULT_BUDGET_SEC);
  const force = values.force === true;
  const out = path.resolve(values.out);
  const log = (msg: string) => process.stderr.write(`${msg}\n`);
  const started = Date.now();

  // Everything that can be refused is checked before any work.
  checkOut(out, force);
  const recordings = readLabelledRecordings(path.resolve(positionals[0]), { labels: values.labels });
  const shots: LabelledSamples[] = recordings.map((r) => ({ samples: r.imported.samples, label: r.imported.label }));
  const counts = assertEnoughShots(shots, config.minShotsPerClass);
  const baseDir = path.resolve(values.from ?? loadConfig().defaultModelDir);
  checkModelDir(baseDir);
  await initTf();
  const base = await loadModelArtifact(new LocalFolderStore(baseDir), '');
  const { model } = base;
  try {
    const pipeline = base.metadata.featurePipeline;
    const parentVersion = `${base.metadata.name}@${base.metadata.version}`;
    log(`personalize ${parentVersion} (${base.metadata.architecture}, ${pipeline.name}) on ${shots.length} shots: ${JSON.stringify(counts)}`);

    let replay: LabelledSamples[];
    let replayRecord: PersonalizationRecord['replay'];
    if (values.replay) {
      const { manifest, clips } = await loadDataset(new LocalFolderStore(path.resolve(values.replay)), '');
      replay = pickBalanced(clips, { seed, perClass: config.replayPerClass });
      replayRecord = { source: 'dataset', dataset: manifest.id, clips: replay.length, perClass: config.replayPerClass };
    } else {
      replay = generateClips({ seed, perClass: config.replayPerClass, purpose: 'replay' });
      replayRecord = { source: 'synth', seed, clips: replay.length, perClass: config.replayPerClass };
    }
    const holdout = generateClips({ seed, perClass: config.holdoutPerClass, purpose: 'holdout' });
    log('features of the replay, hold-out and shot clips...');
    const shotSet = labelledInputs(pipeline, shots);
    const holdoutSet = labelledInputs(pipeline, holdout);
    const before = { shots: evaluateInputs(model, shotSet.x, shotSet.y), holdout: evaluateInputs(model, holdoutSet.x, holdoutSet.y) };
    const tuned = await personalizeInPlace({
      model,
      pipeline,
      shots,
      replay: labelledInputs(pipeline, replay),
      config,
      seed,
      timeBudgetMs: budgetSec * 1000,
      onProgress: (p) => log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)}`),
    });
    if (tuned.stoppedByBudget) log(`time budget reached after ${tuned.stepsRun} of ${config.steps} steps`);
    const after = { shots: evaluateInputs(model, shotSet.x, shotSet.y), holdout: evaluateInputs(model, holdoutSet.x, holdoutSet.y) };

    const shotRecords = recordings.map((r) => ({
      file: r.original,
      class: r.imported.label,
      sha256: r.sha256,
      ...(r.imported.onsetFrom === 'energy-rise' ? {} : { onsetSec: Math.round(r.imported.onsetSec * 1e4) / 1e4 }),
    }));
    const recipe = { ...config, shotAugmentation: SHOT_AUGMENT_PROBABILITIES, budgetSec };
    const id = createHash('sha256').update(JSON.stringify({ parentVersion, shotRecords, recipe, seed, replayRecord })).digest('hex').slice(0, 10);
    const durationSec = Math.round((Date.now() - started) / 100) / 10;
    const metadata: ModelMetadata = {
      ...base.metadata,
      name: values.name ?? base.metadata.name,
      version: values.version ?? `personal-${id}`,
      created: new Date().toISOString(),
      origin: 'personalized',
      parentVersion,
      personalization: {
        shots: shotRecords,
        replay: replayRecord,
        config: { ...recipe, stepsRun: tuned.stepsRun, stoppedByBudget: tuned.stoppedByBudget, trainedParameters: tuned.trainedParameters },
        seed,
        durationSec,
      },
      metrics: { shots: after.shots, shotsBase: before.shots, holdout: after.holdout, holdoutBase: before.holdout },
    };
    delete metadata.training;
    delete metadata.history;
    delete metadata.promotion;
    delete metadata.notes;
    await writeAtomically(out, (dir) => saveModelArtifact(new LocalFolderStore(dir), '', model, metadata));
    log(formatEvaluation(after.holdout, `generated hold-out clips (base model: ${before.holdout.accuracy.toFixed(3)})`));
    process.stdout.write(
      JSON.stringify({
        out,
        name: metadata.name,
        version: metadata.version,
        parentVersion,
        shots: counts,
        replayClips: replay.length,
        trainingExamples: tuned.trainingExamples,
        stepsRun: tuned.stepsRun,
        stoppedByBudget: tuned.stoppedByBudget,
        accuracy: { shots: { base: before.shots.accuracy, tuned: after.shots.accuracy }, holdout: { base: before.holdout.accuracy, tuned: after.holdout.accuracy } },
        seconds: { total: durationSec, training: Math.round(tuned.seconds * 10) / 10 },
      }) + '\n',
    );
    return 0;
  } finally {
    model.dispose();
  }
}
