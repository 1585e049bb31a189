/**
 * Dataset generation speed: `npx tsx bench/dataset.ts [--clips 3000] [--soundfont-notes 100]`.
 * 1. synth clips (render + augment + 16-bit encode) on one thread, per-clip CPU and wall time (600 clips);
 * 2. the dataset command's real path: N synth clips rendered, augmented, encoded and written by worker threads;
 * 3. soundfont rendering through fluidsynth (skipped with a note when fluidsynth is not installed).
 * Prints a table, then one JSON line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { findSoundfontSetup, renderSoundfontNotes } from '../adapters/soundfont';
import { defaultWorkers, renderSynthClipsParallel } from '../cli/commands/dataset';
import { encodeWav16 } from '../shared/audio/encode';
import { CLASSES, SAMPLE_RATE } from '../shared/constants';
import { augmentPlannedClip, planDataset, renderSynthClip } from '../shared/dataset/generate';

const { values } = parseArgs({ options: { clips: { type: 'string' }, 'soundfont-notes': { type: 'string' } } });
const CLIPS = Number(values.clips ?? 3000);
const SF_NOTES = Number(values['soundfont-notes'] ?? 100);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const results: Record<string, number | string | null> = {};

  // 1. One thread, stage by stage.
  const single = planDataset({ size: 600, seed: 1, sources: ['synth'] }).clips;
  let c0 = cpuMs(), w0 = Date.now();
  const raw = single.map((c) => renderSynthClip(c));
  const renderCpu = cpuMs() - c0, renderWall = Date.now() - w0;
  c0 = cpuMs(); w0 = Date.now();
  const aug = single.map((c, i) => augmentPlannedClip(c, raw[i]).samples);
  const augCpu = cpuMs() - c0, augWall = Date.now() - w0;
  c0 = cpuMs(); w0 = Date.now();
  for (const a of aug) encodeWav16(a, SAMPLE_RATE);
  const encCpu = cpuMs() - c0, encWall = Date.now() - w0;
  results.synthRenderMsPerClip = renderWall / single.length;
  results.augmentMsPerClip = augWall / single.length;
  results.encodeMsPerClip = encWall / single.length;
  results.cpuMsPerClip = (renderCpu + augCpu + encCpu) / single.length;

  // 2. The dataset command's path with worker threads, written to a temporary folder.
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzfinder-bench-'));
  try {
    for (const c of CLASSES) fs.mkdirSync(path.join(out, c));
    const plan = planDataset({ size: CLIPS, seed: 1, sources: ['synth'] });
    const splits = Object.fromEntries(Object.entries(plan.groups).map(([g, info]) => [g, info.split]));
    const workers = defaultWorkers();
    w0 = Date.now();
    c0 = cpuMs(); // process-wide: includes the worker threads
    await renderSynthClipsParallel({ out, clips: plan.clips, splits, workers });
    results.synthClips = CLIPS;
    results.workers = workers;
    results.synthSeconds = (Date.now() - w0) / 1000;
    results.synthCpuSeconds = (cpuMs() - c0) / 1000;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }

  // 3. Soundfont.
  try {
    const setup = findSoundfontSetup();
    const notes = Array.from({ length: SF_NOTES }, (_, i) => ({ program: 24 + (i % 5), midi: 40 + ((i * 7) % 45), velocity: 30 + ((i * 13) % 97) }));
    w0 = Date.now();
    const { report } = await renderSoundfontNotes(notes, { setup, concurrency: 1 });
    results.soundfontNotes = SF_NOTES;
    results.soundfontSeconds = (Date.now() - w0) / 1000;
    const sorted = [...report.offsetsMs].sort((a, b) => a - b);
    results.soundfontOnsetOffsetMedianMs = sorted[sorted.length >> 1];
  } catch (err) {
    results.soundfontNotes = 0;
    results.soundfontSeconds = null;
    results.soundfontSkipped = err instanceof Error ? err.message : String(err);
  }

  const load = os.loadavg()[0];
  results.loadAverage = Math.round(load * 100) / 100;
  const rows: [string, string][] = [
    ['synth render (1 thread)', `${(results.synthRenderMsPerClip as number).toFixed(2)} ms/clip`],
    ['augment (1 thread)', `${(results.augmentMsPerClip as number).toFixed(2)} ms/clip`],
    ['encode WAV16 (1 thread)', `${(results.encodeMsPerClip as number).toFixed(2)} ms/clip`],
    ['CPU per clip (all three)', `${(results.cpuMsPerClip as number).toFixed(2)} ms`],
    [`${CLIPS} synth clips, ${results.workers} workers, written`, `${(results.synthSeconds as number).toFixed(1)} s wall (target < 60 s)`],
    [`  CPU time of those ${CLIPS} clips (all threads)`, `${(results.synthCpuSeconds as number).toFixed(1)} s`],
    [
      `soundfont ${SF_NOTES} notes (1 fluidsynth)`,
      results.soundfontSeconds === null ? `skipped: ${results.soundfontSkipped}` : `${(results.soundfontSeconds as number).toFixed(1)} s`,
    ],
    ['1-min load average during run', String(results.loadAverage)],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`bench/dataset (${os.cpus().length} CPUs)\n`);
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  process.stdout.write(JSON.stringify({ bench: 'dataset', ...results }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench/dataset: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
