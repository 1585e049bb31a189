/**
 * Chooses the "not a note" thresholds (NO_NOTE_THRESHOLDS in shared/constants.ts) on GENERATED data only:
 * synthetic notes (all classes, quiet ones, palm mutes, dead notes, notes whose attack is at sample 0) against
 * silence, dither, hum, hiss, room tone, chords and clicks (shared/synth/non-notes.ts), all seeded.
 *   npx tsx scripts/no-note-thresholds.ts [--model models/default] [--per-group 120] [--seed 1]
 * Prints, per group, the rate of clips refused as no_note with the current constants, and the suggested
 * thresholds: the strictest level floors and confidence that keep every note group's false no_note rate
 * under the target. Re-run it when the default model changes.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../adapters/config';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { ClassProbabilities, toPrediction } from '../shared/classifier';
import { CLIP_SAMPLES, NO_NOTE_THRESHOLDS } from '../shared/constants';
import { loadClassifier } from '../shared/model/classifier';
import { assessNoNote, ClipLevels, measureClipLevels, NoNoteThresholds } from '../shared/no-note';
import { Rng } from '../shared/rng';
import { generateNonNote, generateNoteClip, NON_NOTE_KINDS } from '../shared/synth/non-notes';

/** Highest false no_note rate tolerated on any group of real-shaped notes. */
const TARGET_FALSE_RATE = 0.01;

interface Sample {
  group: string;
  isNote: boolean;
  levels: ClipLevels;
  probabilities: ClassProbabilities;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: path.join(REPO_ROOT, 'models', 'default') },
      'per-group': { type: 'string', default: '120' },
      seed: { type: 'string', default: '1' },
    },
  });
  const perGroup = Number(values['per-group']);
  const rng = new Rng(Number(values.seed));
  const groups: { group: string; isNote: boolean; make: () => Float32Array }[] = [
    { group: 'notes (all classes)', isNote: true, make: () => generateNoteClip(rng, {}) },
    { group: 'quiet notes (-10..-30 dB, >= 20 dB over the noise floor)', isNote: true, make: () => generateNoteClip(rng, { quiet: true }) },
    { group: 'palm mutes', isNote: true, make: () => generateNoteClip(rng, { variant: 'palm-mute' }) },
    { group: 'quiet palm mutes (-10..-30 dB, >= 20 dB over the noise floor)', isNote: true, make: () => generateNoteClip(rng, { variant: 'palm-mute', quiet: true }) },
    { group: 'dead notes', isNote: true, make: () => generateNoteClip(rng, { variant: 'dead-note' }) },
    { group: 'quiet dead notes (-10..-30 dB, >= 20 dB over the noise floor)', isNote: true, make: () => generateNoteClip(rng, { variant: 'dead-note', quiet: true }) },
    { group: 'notes attacked at sample 0', isNote: true, make: () => generateNoteClip(rng, { atZero: true }) },
    ...NON_NOTE_KINDS.map((kind) => ({ group: kind, isNote: false, make: () => generateNonNote(kind, rng) })),
  ];
  await initTf();
  const classifier = await loadClassifier(new LocalFolderStore(path.resolve(values.model!)), '');
  const samples: Sample[] = [];
  for (const g of groups) {
    const clips = Array.from({ length: perGroup }, () => g.make());
    const probabilities = await classifier.classifyClips(clips);
    clips.forEach((clip, i) => samples.push({ group: g.group, isNote: g.isNote, levels: measureClipLevels(clip, 0, CLIP_SAMPLES), probabilities: probabilities[i] }));
    process.stderr.write(`${g.group}: ${clips.length} clips\n`);
  }

  const refusedRate = (group: string, t: NoNoteThresholds) => {
    const s = samples.filter((x) => x.group === group);
    return s.filter((x) => assessNoNote(x.levels, x.probabilities, t) !== null).length / s.length;
  };
  const noteGroups = groups.filter((g) => g.isNote).map((g) => g.group);
  const worstFalse = (t: NoNoteThresholds) => Math.max(...noteGroups.map((g) => refusedRate(g, t)));
  // Strictest value of each threshold alone (others off) whose false rate stays under the target.
  const off: NoNoteThresholds = { silenceFloorDb: -Infinity, minLevelRangeDb: -Infinity, minConfidence: 0 };
  const strictest = (key: keyof NoNoteThresholds, candidates: number[]) => {
    let best = candidates[0];
    for (const c of candidates) if (worstFalse({ ...off, [key]: c }) <= TARGET_FALSE_RATE) best = c;
    return best;
  };
  const range = (from: number, to: number, step: number) => Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Math.round((from + i * step) * 100) / 100);
  const suggested = {
    silenceFloorDb: strictest('silenceFloorDb', range(-110, -40, 1)),
    minLevelRangeDb: strictest('minLevelRangeDb', range(0, 15, 0.5)),
    minConfidence: strictest('minConfidence', range(0.34, 0.95, 0.01)),
  };
  const current: NoNoteThresholds = { ...NO_NOTE_THRESHOLDS };

  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const quant = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
  const out: string[] = [];
  out.push(`model ${classifier.identity.name} ${classifier.identity.version}, ${perGroup} clips per group, seed ${values.seed}`);
  out.push(`current thresholds: ${JSON.stringify(current)}; suggested (each alone, worst note group <= ${pct(TARGET_FALSE_RATE)} refused): ${JSON.stringify(suggested)}`);
  out.push('');
  out.push('| group | is a note | level dBFS p5 / p50 | range dB p5 / p50 | confidence p5 / p50 | no_note (current) | silence / noise / low_confidence |');
  out.push('|---|---|---|---|---|---|---|');
  for (const g of groups) {
    const s = samples.filter((x) => x.group === g.group);
    const conf = s.map((x) => toPrediction(x.probabilities).confidence);
    const reasons = { silence: 0, noise: 0, low_confidence: 0 };
    for (const x of s) {
      const v = assessNoNote(x.levels, x.probabilities, current);
      if (v) reasons[v.reason]++;
    }
    const lv = s.map((x) => x.levels.levelDb);
    const rg = s.map((x) => x.levels.rangeDb);
    out.push(
      `| ${g.group} | ${g.isNote ? 'yes' : 'no'} | ${quant(lv, 0.05).toFixed(1)} / ${quant(lv, 0.5).toFixed(1)} | ${quant(rg, 0.05).toFixed(1)} / ${quant(rg, 0.5).toFixed(1)} | ${quant(conf, 0.05).toFixed(2)} / ${quant(conf, 0.5).toFixed(2)} | ${pct(refusedRate(g.group, current))} | ${reasons.silence} / ${reasons.noise} / ${reasons.low_confidence} |`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
  classifier.dispose();
  const summary = Object.fromEntries(groups.map((g) => [g.group, Math.round(1000 * refusedRate(g.group, current)) / 1000]));
  process.stdout.write(JSON.stringify({ script: 'no-note-thresholds', model: classifier.identity, current, suggested, refusedRate: summary }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
