/**
 * Label accuracy inside whole takes (issue 11's third target): each take goes through the report pipeline
 * (onsets, clips, model); every true note matched by a detected onset within 50 ms counts as right when the
 * report's label is its class. Also the accuracy with clips cut at the true onsets (the model alone, without the
 * detector's timing).
 * Takes: synthetic ones with exact truth (shared/synth/take.ts), and with `--soundfont FILE` takes played from a
 * General MIDI soundfont's recorded guitars (clean programs 24-27 and the palm-muted 28; each note's render
 * overlap-added at its onset; no buzz, GM has none). Soundfonts other than FluidR3 are evaluation only:
 * never choose a model on them. `--held-out-of DATASET` plays only the soundfont groups that dataset holds out
 * (its `--split`, default validation: e.g. clean program 27 and the high mutes for the team's sets), so FluidR3 takes
 * can choose a model trained on the other groups.
 *   npx tsx bench/take-labels.ts [--models models/default,<dir>...] [--seeds 101,102,103] [--seconds 60]
 *                                [--condition mixed] [--soundfont FILE ...] [--skip-synth]
 *                                [--held-out-of DATASET_DIR [--split validation|test]]
 * Prints a table per model and take source, then one JSON line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { findSoundfontSetup, renderSoundfontNotes } from '../adapters/soundfont';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { REPO_ROOT } from '../adapters/config';
import { ClassProbabilities } from '../shared/classifier';
import { CLASSES, PRE_ONSET_SECONDS, SAMPLE_RATE, ToneClass } from '../shared/constants';
import { overlapAddRender, SOUNDFONT_CLEAN_PROGRAMS, SOUNDFONT_MUTED_MAX_MIDI, SOUNDFONT_MUTED_PROGRAM, SOUNDFONT_REGISTERS, SoundfontNote } from '../shared/dataset/generate';
import { validateManifest } from '../shared/dataset/read';
import { Split } from '../shared/dataset/types';
import { loadClassifier } from '../shared/model/classifier';
import { evaluatePredictions } from '../shared/model/evaluate';
import { matchOnsets } from '../shared/onsets/evaluate';
import { buildTakeReport } from '../shared/report/build';
import { cutClip } from '../shared/report/clips';
import { Rng } from '../shared/rng';
import { addNoiseFloor } from '../shared/synth/note';
import { synthesizeTake, TakeCondition } from '../shared/synth/take';

interface EvalTake {
  samples: Float32Array;
  truth: { onsetSec: number; label: ToneClass }[];
}

/** Labels and probabilities of classified notes, gathered for evaluatePredictions. */
class Predictions {
  readonly labels: number[] = [];
  readonly probabilities: number[] = [];

  add(label: ToneClass, p: ClassProbabilities): void {
    this.labels.push(CLASSES.indexOf(label));
    this.probabilities.push(...CLASSES.map((c) => p[c]));
  }

  summary() {
    const r = evaluatePredictions({ labels: this.labels, probabilities: this.probabilities });
    // Soundfont takes have no buzz: recall only of the classes the takes hold.
    const recall = Object.fromEntries(CLASSES.filter((c) => r.perClass[c].support > 0).map((c) => [c, r.perClass[c].recall]));
    return { notes: r.n, accuracy: r.accuracy, recall, confusion: r.confusion };
  }
}

/** Which recorded notes a soundfont take plays: clean programs, and the MIDI ranges of its palm mutes. */
interface SoundfontPalette {
  cleanPrograms: readonly number[];
  mutedMidi: readonly { min: number; max: number }[];
}

const WHOLE_SOUNDFONT: SoundfontPalette = { cleanPrograms: SOUNDFONT_CLEAN_PROGRAMS, mutedMidi: [{ min: 40, max: SOUNDFONT_MUTED_MAX_MIDI }] };

/** The soundfont groups a dataset puts in `split`: notes no model trained on that dataset's train split has heard. */
function heldOutPalette(datasetDir: string, split: Split): SoundfontPalette {
  const manifest = validateManifest(JSON.parse(fs.readFileSync(path.join(datasetDir, 'manifest.json'), 'utf8')));
  const groups = Object.values(manifest.groups ?? {}).filter((g) => g.source === 'soundfont' && g.split === split);
  const cleanPrograms = groups.map((g) => Number(g.params?.program)).filter((p) => p !== SOUNDFONT_MUTED_PROGRAM);
  const mutedMidi = groups
    .filter((g) => Number(g.params?.program) === SOUNDFONT_MUTED_PROGRAM)
    .map((g) => SOUNDFONT_REGISTERS.find((r) => r.name === g.params?.register)!)
    .map((r) => ({ min: r.min, max: Math.min(r.max, SOUNDFONT_MUTED_MAX_MIDI) }));
  if (cleanPrograms.length === 0 || mutedMidi.length === 0) {
    throw new TypeError(`${datasetDir}: its ${split} split holds no soundfont ${cleanPrograms.length === 0 ? 'clean program' : 'muted register'}`);
  }
  return { cleanPrograms, mutedMidi };
}

/**
 * A take played from a soundfont: one clean program per take plus the palm-muted program, half the notes each,
 * gaps as in played takes (35 % fast, 0.12-0.3 s, else 0.3-1.5 s), velocities 40-120, a -80 dBFS noise floor.
 */
async function soundfontTake(font: string, seed: number, seconds: number, palette: SoundfontPalette): Promise<EvalTake> {
  const rng = new Rng(seed);
  const clean = rng.pick(palette.cleanPrograms);
  const notes: (SoundfontNote & { label: 'clean' | 'muted'; onsetSec: number })[] = [];
  for (let t = 0.5; t < seconds - 1; t += rng.chance(0.35) ? rng.uniform(0.12, 0.3) : rng.logUniform(0.3, 1.5)) {
    const label = rng.chance(0.5) ? 'clean' : 'muted';
    // One muted range is drawn from directly, as before the palettes, so whole-soundfont takes keep their notes.
    const range = label === 'clean' ? { min: 40, max: 84 } : palette.mutedMidi.length === 1 ? palette.mutedMidi[0] : rng.pick(palette.mutedMidi);
    const midi = rng.int(range.min, range.max);
    notes.push({ label, onsetSec: t, program: label === 'clean' ? clean : SOUNDFONT_MUTED_PROGRAM, midi, velocity: rng.int(40, 120) });
  }
  const { clips } = await renderSoundfontNotes(notes, { setup: findSoundfontSetup({ soundfont: font }), concurrency: 1 });
  const samples = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  const pre = Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE);
  const truth: EvalTake['truth'] = [];
  notes.forEach((n, i) => {
    if (!clips[i].some((v) => v !== 0)) return; // the font has no sample for this note
    overlapAddRender(samples, clips[i], Math.round(n.onsetSec * SAMPLE_RATE) - pre, 1);
    truth.push({ onsetSec: n.onsetSec, label: n.label });
  });
  addNoiseFloor(samples, -80, rng);
  return { samples, truth };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      seeds: { type: 'string', default: '101,102,103' },
      seconds: { type: 'string', default: '60' },
      condition: { type: 'string', default: 'mixed' },
      soundfont: { type: 'string', multiple: true },
      'skip-synth': { type: 'boolean' },
      'held-out-of': { type: 'string' },
      split: { type: 'string', default: 'validation' },
    },
  });
  const models = (values.models ?? path.join(REPO_ROOT, 'models', 'default')).split(',');
  const seeds = values.seeds!.split(',').map(Number);
  const seconds = Number(values.seconds);
  const condition = values.condition as TakeCondition;
  await initTf();
  const sources: Record<string, EvalTake[]> = {};
  if (!values['skip-synth']) {
    sources[`synthetic ${condition}`] = seeds.map((seed) => {
      const take = synthesizeTake({ seconds, seed, condition });
      return { samples: take.samples, truth: take.truth.notes };
    });
  }
  if (values.split !== 'validation' && values.split !== 'test') throw new TypeError(`--split must be validation or test, got '${values.split}'`);
  const heldOutOf = values['held-out-of'];
  const palette = heldOutOf ? heldOutPalette(heldOutOf, values.split as Split) : WHOLE_SOUNDFONT;
  const suffix = heldOutOf ? ` (${values.split} groups of ${path.basename(heldOutOf)}: programs ${palette.cleanPrograms.join(', ')} + muted MIDI ${palette.mutedMidi.map((r) => `${r.min}-${r.max}`).join(', ')})` : '';
  for (const font of values.soundfont ?? []) sources[path.basename(font) + suffix] = await Promise.all(seeds.map((seed) => soundfontTake(font, seed, seconds, palette)));

  const results: Record<string, Record<string, unknown>> = {};
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  for (const dir of models) {
    const classifier = await loadClassifier(new LocalFolderStore(path.resolve(dir)), '');
    results[dir] = {};
    for (const [name, takes] of Object.entries(sources)) {
      const inTake = new Predictions();
      const atTrueOnsets = new Predictions();
      let truthNotes = 0;
      for (const take of takes) {
        const report = await buildTakeReport({ source: 'take.wav', audio: { sampleRate: SAMPLE_RATE, durationSec: take.samples.length / SAMPLE_RATE, samples: take.samples }, classifier });
        const truth = take.truth;
        truthNotes += truth.length;
        for (const m of matchOnsets(report.notes.map((n) => n.onsetSec), truth.map((n) => n.onsetSec))) inTake.add(truth[m.truth].label, report.notes[m.detected].probabilities);
        const clips = truth.map((n) => cutClip({ source: take.samples, onsetSample: Math.round(n.onsetSec * SAMPLE_RATE) }));
        (await classifier.classifyClips(clips)).forEach((p, i) => atTrueOnsets.add(truth[i].label, p));
      }
      const row = { model: classifier.identity.version, truthNotes, inTake: inTake.summary(), atTrueOnsets: atTrueOnsets.summary() };
      results[dir][name] = row;
      const recalls = (r: Record<string, number>) => Object.entries(r).map(([c, v]) => `${c} ${pct(v)}`).join(', ');
      console.log(`${row.model} (${dir}) on ${takes.length} x ${seconds} s ${name} takes, ${truthNotes} notes`);
      console.log(`  in the report (matched within 50 ms: ${row.inTake.notes}): ${pct(row.inTake.accuracy)}  recall ${recalls(row.inTake.recall)}`);
      console.log(`  clips at the true onsets: ${pct(row.atTrueOnsets.accuracy)}  recall ${recalls(row.atTrueOnsets.recall)}`);
      console.log(`  confusion in the report (rows true, cols ${CLASSES.join(', ')}): ${row.inTake.confusion.map((r) => r.join(' ')).join(' | ')}`);
    }
    classifier.dispose();
  }
  console.log(JSON.stringify({ area: 'take-labels', seeds, seconds, condition, results }));
}

void main();
