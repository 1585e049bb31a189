/**
 * Personalisation, measured on the shared real clips (../shared/reference/real-clips: one guitar, class in the
 * file name). This is the one place those clips are training data, and only here: each split personalises the
 * base model on some of them and classifies the others, exactly as `buzzfinder classify` would (the WAV as it
 * is), against the base model on the same held-out clips. Also measured: accuracy on generated hold-out clips
 * (forgetting) and the time per personalisation; finally one real `buzzfinder personalize` run on all 10 clips.
 *
 *   npx tsx bench/personalize.ts [--model DIR] [--clips DIR] [--configs default,no-replay,...] [--splits loo,session,l3o]
 *                                [--seed S] [--skip-cli]
 * Splits: loo = leave one clip out (10 folds); session = train on gu_* and test gl_* and the reverse (min 1 shot
 * per class); l3o = leave one clip of every class out (all 3 x 4 x 3 = 36 combinations).
 * Prints tables, then one JSON line.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, REPO_ROOT } from '../adapters/config';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf, tfBackendName } from '../adapters/tf-backend';
import { REFERENCE_REAL_CLIPS_DIR } from '../cli/real-clips';
import { readLabelledRecordings } from '../cli/recordings';
import { loadAudio } from '../shared/audio/load';
import { CLASSES, ToneClass } from '../shared/constants';
import { restoreWeights, snapshotWeights } from '../shared/model/architecture';
import { loadModelArtifact } from '../shared/model/artifact';
import { argmaxRow } from '../shared/model/evaluate';
import { evaluateInputs, exampleShape, LabelledInputs, labelledInputs, personalizeInPlace, predictModel } from '../shared/model/personalize';
import { DEFAULT_PERSONALIZE_CONFIG, generateClips, LabelledSamples, PersonalizeConfig } from '../shared/model/personalize-data';

/** Variants compared; each changes one thing from the default recipe. */
const CONFIGS: Record<string, Partial<PersonalizeConfig>> = {
  default: {},
  'l2sp-0.1': { l2sp: 0.1 },
  'l2sp-1': { l2sp: 1 },
  'no-l2sp': { l2sp: 0 },
  'no-replay': { replayPerClass: 0 },
  'more-replay': { replayPerClass: 64, steps: 300 },
  'fewer-steps': { steps: 60 },
  'head-lr-1e-2': { learningRate: 1e-2, l2sp: 0.001 },
  'shot-heavy': { shotExamplesPerClass: 96, l2sp: 0.001 },
  'shots-96': { shotExamplesPerClass: 96 },
  'all-layers': { trainLayers: 'all', learningRate: 3e-4, steps: 60 },
};

interface Clip {
  file: string;
  label: ToneClass;
  /** The note as `dataset import` cuts it (onset moved to 0.1 s): what personalisation trains on. */
  shot: LabelledSamples;
  /** The file as `buzzfinder classify` reads it: what is evaluated. */
  raw: Float32Array;
}

interface Split {
  name: string;
  train: number[];
  test: number[];
}

function splitsOf(kind: string, clips: Clip[]): Split[] {
  const all = clips.map((_, i) => i);
  if (kind === 'loo') return all.map((i) => ({ name: clips[i].file, train: all.filter((j) => j !== i), test: [i] }));
  if (kind === 'session') {
    const prefix = (p: string) => all.filter((i) => clips[i].file.startsWith(p));
    return [
      { name: 'gu->gl', train: prefix('gu_'), test: prefix('gl_') },
      { name: 'gl->gu', train: prefix('gl_'), test: prefix('gu_') },
    ];
  }
  if (kind === 'l3o') {
    const byClass = CLASSES.map((c) => all.filter((i) => clips[i].label === c));
    const out: Split[] = [];
    for (const b of byClass[0]) for (const c of byClass[1]) for (const m of byClass[2]) out.push({ name: [b, c, m].map((i) => clips[i].file).join('+'), train: all.filter((i) => ![b, c, m].includes(i)), test: [b, c, m] });
    return out;
  }
  throw new Error(`unknown split kind '${kind}' (loo, session, l3o)`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      clips: { type: 'string' },
      configs: { type: 'string' },
      splits: { type: 'string' },
      seed: { type: 'string' },
      'skip-cli': { type: 'boolean' },
    },
  });
  const modelDir = path.resolve(values.model ?? loadConfig().defaultModelDir);
  const clipsDir = path.resolve(values.clips ?? REFERENCE_REAL_CLIPS_DIR);
  const configNames = (values.configs ?? Object.keys(CONFIGS).join(',')).split(',');
  const splitKinds = (values.splits ?? 'loo,session').split(',');
  const seed = Number(values.seed ?? 1);
  for (const n of configNames) if (!CONFIGS[n]) throw new Error(`unknown config '${n}' (${Object.keys(CONFIGS).join(', ')})`);

  await initTf();
  const { model, metadata } = await loadModelArtifact(new LocalFolderStore(modelDir), '');
  const pipeline = metadata.featurePipeline;
  const baseWeights = snapshotWeights(model);
  const shape = exampleShape(model);
  const clips: Clip[] = readLabelledRecordings(clipsDir).map((r) => ({
    file: r.original,
    label: r.imported.label,
    shot: { samples: r.imported.samples, label: r.imported.label },
    raw: loadAudio(new Uint8Array(fs.readFileSync(path.join(clipsDir, r.original)))).samples,
  }));
  const rawInputs = labelledInputs(pipeline, clips.map((c) => ({ samples: c.raw, label: c.label })));
  const alignedInputs = labelledInputs(pipeline, clips.map((c) => c.shot));
  const size = rawInputs.x.length / clips.length;
  /** Predicted class and the probability given to the true class, per clip. */
  const scoreClips = (indices: number[], inputs = rawInputs): { pred: ToneClass[]; pTrue: number[] } => {
    const x = new Float32Array(indices.length * size);
    indices.forEach((idx, k) => x.set(inputs.x.subarray(idx * size, (idx + 1) * size), k * size));
    const probs = predictModel(model, x, indices.length, shape);
    return { pred: indices.map((_, k) => CLASSES[argmaxRow(probs, k)]), pTrue: indices.map((idx, k) => probs[k * CLASSES.length + CLASSES.indexOf(clips[idx].label)]) };
  };
  const predictClips = (indices: number[], inputs = rawInputs): ToneClass[] => scoreClips(indices, inputs).pred;
  const baseScores = scoreClips(clips.map((_, i) => i));
  const basePred = baseScores.pred;
  const baseAligned = predictClips(clips.map((_, i) => i), alignedInputs);
  process.stdout.write(`base model ${metadata.name}@${metadata.version} (${metadata.architecture}, ${pipeline.name}), backend ${tfBackendName()}\n`);
  const rightOf = (pred: ToneClass[]) => pred.filter((p, i) => p === clips[i].label).length;
  process.stdout.write(`real clips: ${rightOf(basePred)}/${clips.length} right as classify reads the files, ${rightOf(baseAligned)}/${clips.length} cut at their onset as import/report do\n`);

  const holdoutStart = Date.now();
  const holdout = labelledInputs(pipeline, generateClips({ seed, perClass: DEFAULT_PERSONALIZE_CONFIG.holdoutPerClass, purpose: 'holdout' }));
  const holdoutBase = evaluateInputs(model, holdout.x, holdout.y).accuracy;
  const replayCache = new Map<number, { inputs: LabelledInputs; seconds: number }>();
  const replayOf = (perClass: number) => {
    if (!replayCache.has(perClass)) {
      const t = Date.now();
      replayCache.set(perClass, { inputs: labelledInputs(pipeline, generateClips({ seed, perClass, purpose: 'replay' })), seconds: (Date.now() - t) / 1000 });
    }
    return replayCache.get(perClass)!;
  };
  process.stdout.write(`generated hold-out: ${holdout.y.length} clips, base accuracy ${(100 * holdoutBase).toFixed(1)} % (${((Date.now() - holdoutStart) / 1000).toFixed(1)} s)\n\n`);

  const results: Record<string, Record<string, unknown>> = {};
  for (const kind of splitKinds) {
    const splits = splitsOf(kind, clips);
    process.stdout.write(`== ${kind}: ${splits.length} split(s)\n`);
    process.stdout.write(`${'config'.padEnd(16)} ${'held-out right'.padEnd(15)} ${'base same clips'.padEnd(16)} ${'(cut at onset)'.padEnd(15)} ${'p(true) base->tuned'.padEnd(20)} ${'gen. hold-out'.padEnd(14)} ${'s/run'.padEnd(6)} wrong after\n`);
    for (const name of configNames) {
      const config: PersonalizeConfig = { ...DEFAULT_PERSONALIZE_CONFIG, ...CONFIGS[name] };
      const replay = replayOf(config.replayPerClass);
      let right = 0, baseRight = 0, alignedRight = 0, baseAlignedRight = 0, total = 0, seconds = 0, holdoutSum = 0, pTrue = 0, basePTrue = 0;
      const wrong: string[] = [];
      for (const split of splits) {
        restoreWeights(model, baseWeights);
        const started = Date.now();
        await personalizeInPlace({ model, pipeline, shots: split.train.map((i) => clips[i].shot), replay: replay.inputs, config, seed });
        seconds += (Date.now() - started) / 1000 + replay.seconds / splits.length;
        const scored = scoreClips(split.test);
        const pred = scored.pred;
        const aligned = predictClips(split.test, alignedInputs);
        split.test.forEach((idx, k) => {
          total++;
          pTrue += scored.pTrue[k];
          basePTrue += baseScores.pTrue[idx];
          if (aligned[k] === clips[idx].label) alignedRight++;
          if (baseAligned[idx] === clips[idx].label) baseAlignedRight++;
          if (pred[k] === clips[idx].label) right++;
          else wrong.push(`${clips[idx].file}->${pred[k]}`);
          if (basePred[idx] === clips[idx].label) baseRight++;
        });
        holdoutSum += evaluateInputs(model, holdout.x, holdout.y).accuracy;
      }
      const row = { right, baseRight, alignedRight, baseAlignedRight, total, meanPTrue: pTrue / total, baseMeanPTrue: basePTrue / total, holdoutAccuracy: holdoutSum / splits.length, secondsPerRun: seconds / splits.length, wrong };
      (results[kind] ??= {})[name] = row;
      process.stdout.write(
        `${name.padEnd(16)} ${`${right}/${total}`.padEnd(15)} ${`${baseRight}/${total}`.padEnd(16)} ${`${alignedRight} (base ${baseAlignedRight})`.padEnd(15)} ${`${row.baseMeanPTrue.toFixed(2)} -> ${row.meanPTrue.toFixed(2)}`.padEnd(20)} ${`${(100 * row.holdoutAccuracy).toFixed(1)} %`.padEnd(14)} ${row.secondsPerRun.toFixed(1).padEnd(6)} ${kind === 'l3o' ? `${wrong.length} wrong` : wrong.join(' ')}\n`,
      );
    }
    process.stdout.write('\n');
  }
  model.dispose();

  let cli: Record<string, unknown> | null = null;
  if (!values['skip-cli']) {
    // The product path, timed end to end: a fresh process, all 10 clips, default settings.
    // personalize wants an empty or new --out: a fresh temporary folder's child.
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bf-bench-personalize-')), 'model');
    const started = Date.now();
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'buzzfinder.js'), 'personalize', clipsDir, '--from', modelDir, '--out', out, '--seed', String(seed)], { encoding: 'utf8' });
    const wallSec = (Date.now() - started) / 1000;
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    if (run.status !== 0) throw new Error(`buzzfinder personalize failed: ${run.stderr}`);
    cli = { wallSec, ...JSON.parse(run.stdout.trim().split('\n').pop()!) };
    process.stdout.write(`buzzfinder personalize on all ${clips.length} clips: ${wallSec.toFixed(1)} s wall (process start to exit)\n`);
  }
  process.stdout.write(
    JSON.stringify({ model: `${metadata.name}@${metadata.version}`, backend: tfBackendName(), realClips: clips.length, baseRight: basePred.filter((p, i) => p === clips[i].label).length, holdoutBase, results, cli }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
