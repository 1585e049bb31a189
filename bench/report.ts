/**
 * Take → report speed and quality.
 *
 * `npx tsx bench/report.ts [--minutes 10]`: a synthesised take (synthesizeTake 'mixed'), written as a 44.1 kHz
 * 16-bit WAV so decode + resample are included, turned into a report; time per stage (decode+resample, onsets,
 * pitch, clips+descriptors, features, model) for the in-memory path and the streaming path (peak RSS too).
 * Model: models/default if present, else the seed CNN with seeded weights (same compute).
 *
 * `npx tsx bench/report.ts --quality [--seeds 5]`: onset F1 per take condition (also with non-note clicks and
 * the optional click tests), pitch accuracy per condition and register, the reference take, and the clip
 * overlap-policy study (docs/report.md).
 * Both print a table, then one JSON line.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../adapters/config';
import { fileSource } from '../cli/commands/report';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { encodeWav16 } from '../shared/audio/encode';
import { loadAudio } from '../shared/audio/load';
import { resample } from '../shared/audio/resample';
import { openWavStream } from '../shared/audio/stream';
import { ClassProbabilities, ClipClassifier } from '../shared/classifier';
import { CLASSES, SAMPLE_RATE, ToneClass } from '../shared/constants';
import { comprehensiveMfcc } from '../shared/features/comprehensive';
import { extractFeatureBatch } from '../shared/features/pipeline';
import { buildSeedCnn } from '../shared/model/architecture';
import { TfClipClassifier, loadClassifier } from '../shared/model/classifier';
import { DetectOnsetsOptions, REJECT_CLICKS, detectOnsets } from '../shared/onsets/detect';
import { onsetScores } from '../shared/onsets/evaluate';
import { NotePitchEstimator } from '../shared/pitch/note-pitch';
import { centsBetween, midiToHz } from '../shared/pitch/notes';
import { ReportTimings, buildTakeReport } from '../shared/report/build';
import { OVERLAP_POLICIES, OverlapPolicy, cutClip } from '../shared/report/clips';
import { Rng } from '../shared/rng';
import { sampleNoteParams, synthesizeNote } from '../shared/synth/note';
import { TAKE_CONDITIONS, synthesizeTake } from '../shared/synth/take';
import { readReferenceBytes, readReferenceJson } from '../test/helpers/reference';
import { untrainedSeedMetadata } from '../test/report/seed-model';

// The original pipeline on the reference machine (task brief): librosa onset detection of a 10-minute take and
// per-clip MFCCs for 300 notes.
const ORIGINAL_ONSETS_SEC = 0.33;
const ORIGINAL_MFCC_300_SEC = 0.8;

/** This process's CPU time in ms (the machine is shared: CPU time is steadier than wall time). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Splits classification into feature extraction and the network, timing each. */
class TimedClassifier implements ClipClassifier {
  featuresMs = 0;
  modelMs = 0;
  constructor(
    private readonly inner: TfClipClassifier,
    private readonly clock: () => number,
  ) {}
  get identity() {
    return this.inner.identity;
  }
  async classifyClips(clips: Float32Array[]): Promise<ClassProbabilities[]> {
    const t0 = this.clock();
    const values = extractFeatureBatch(this.inner.pipeline, clips);
    const t1 = this.clock();
    const out = this.inner.classifyFeatures(values, clips.length);
    this.modelMs += this.clock() - t1;
    this.featuresMs += t1 - t0;
    return out;
  }
}

async function model(): Promise<TfClipClassifier> {
  await initTf();
  const dir = path.join(REPO_ROOT, 'models', 'default');
  if (fs.existsSync(path.join(dir, 'metadata.json'))) return loadClassifier(new LocalFolderStore(dir), '');
  return new TfClipClassifier(buildSeedCnn({ seed: 1 }), untrainedSeedMetadata());
}

async function speed(minutes: number): Promise<void> {
  const seconds = minutes * 60;
  process.stderr.write(`synthesising a ${minutes}-minute take...\n`);
  const take = synthesizeTake({ seconds, seed: 1, condition: 'mixed' });
  const wav = encodeWav16(resample(take.samples, { fromRate: SAMPLE_RATE, toRate: 44100 }), 44100);
  const inner = await model();
  // Warm-up (JIT, wasm) on a short piece.
  await buildTakeReport({ source: 'warm', audio: { sampleRate: 22050, durationSec: 10, samples: take.samples.slice(0, SAMPLE_RATE * 10) }, classifier: inner });

  const w0 = performance.now();
  const t0 = cpuMs();
  const audio = loadAudio(wav);
  const decodeMs = cpuMs() - t0;
  const timed = new TimedClassifier(inner, cpuMs);
  const timings: ReportTimings = { onsets: 0, pitch: 0, clips: 0, classify: 0, total: 0 };
  const report = await buildTakeReport({ source: 'bench.wav', audio, classifier: timed, timings, clock: cpuMs });
  const totalMs = cpuMs() - t0;
  const wallMs = performance.now() - w0;
  const notes = report.notes.length;
  const f1 = onsetScores(report.notes.map((n) => n.onsetSec), take.truth.notes.map((n) => n.onsetSec)).f1;

  // Streaming path, in a fresh process reading the WAV from disk: CPU time and peak memory of the bounded path.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bf-bench-')), 'take.wav');
  fs.writeFileSync(file, wav);
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--stream-file', file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (child.status !== 0 || !child.stdout.trim()) throw new Error(`streaming child failed (status ${child.status}, signal ${child.signal}): ${child.stderr}`);
  const streamed = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { cpuMs: number; notes: number; baselineRssMiB: number; peakRssMiB: number };
  const streamMs = streamed.cpuMs;
  const peakRss = streamed.peakRssMiB * 2 ** 20;

  const rows: [string, number][] = [
    ['decode + resample (44.1k -> 22.05k)', decodeMs],
    ['onsets', timings.onsets],
    ['pitch', timings.pitch],
    ['clips + descriptors', timings.clips],
    ['features (comprehensive MFCC)', timed.featuresMs],
    ['model', timed.modelMs],
    ['total (WAV bytes -> report)', totalMs],
    ['streaming path total', streamMs],
  ];
  const originalSec = ORIGINAL_ONSETS_SEC + (ORIGINAL_MFCC_300_SEC * notes) / 300;
  // The original's figures are for a 10-minute take with ~300 notes: our per-note stages scaled to 300 notes
  // (onsets and decoding depend on the duration, not on the note count).
  const perNote = (ms: number) => (ms * 300) / notes;
  const ours300 = {
    onsets: timings.onsets * (10 / minutes),
    pitch: perNote(timings.pitch),
    clips: perNote(timings.clips),
    features: perNote(timed.featuresMs),
    model: perNote(timed.modelMs),
  };
  const ours300Total = ours300.onsets + ours300.pitch + ours300.clips + ours300.features + ours300.model;
  const original300 = (ORIGINAL_ONSETS_SEC + ORIGINAL_MFCC_300_SEC) * 1000;
  console.log(`report of a ${minutes}-minute take (${notes} notes, onset F1 ${f1.toFixed(3)}; model ${inner.identity.name})`);
  console.log('stage (CPU time of this process)        ms');
  for (const [name, ms] of rows) console.log(`${name.padEnd(38)} ${ms.toFixed(0).padStart(7)}`);
  console.log(`wall time (in-memory path, shared CPU)  ${wallMs.toFixed(0).padStart(7)}`);
  console.log(`original onset + MFCC (scaled to ${notes} notes): ${(originalSec * 1000).toFixed(0)} ms + Keras model`);
  console.log(`ours without decode/resample: ${(totalMs - decodeMs).toFixed(0)} ms (onsets+features+model ${(timings.onsets + timed.featuresMs + timed.modelMs).toFixed(0)} ms)`);
  console.log(`10-minute take with 300 notes (per-note stages scaled): onsets ${ours300.onsets.toFixed(0)} + pitch ${ours300.pitch.toFixed(0)} + clips ${ours300.clips.toFixed(0)} + features ${ours300.features.toFixed(0)} + model ${ours300.model.toFixed(0)} = ${ours300Total.toFixed(0)} ms; original onset + MFCC ${original300.toFixed(0)} ms + Keras model (not measured here); onsets + features alone: ours ${(ours300.onsets + ours300.features).toFixed(0)} ms vs ${original300.toFixed(0)} ms`);
  console.log(`streaming from disk (own process): notes equal: ${streamed.notes === notes}; peak RSS ${streamed.peakRssMiB} MiB, of which ${streamed.baselineRssMiB} MiB before the take (node + tfjs + model); the WAV is ${(wav.length / 2 ** 20).toFixed(0)} MiB, the decoded take at 22.05 kHz ${((audio.samples.length * 4) / 2 ** 20).toFixed(0)} MiB`);
  const result = {
    area: 'report',
    minutes,
    notes,
    onsetF1: Number(f1.toFixed(4)),
    ms: Object.fromEntries(rows.map(([k, v]) => [k, Math.round(v)])),
    wallMs: Math.round(wallMs),
    originalOnsetPlusMfccMs: Math.round(originalSec * 1000),
    notes300Ms: Object.fromEntries(Object.entries(ours300).map(([k, v]) => [k, Math.round(v)])),
    notes300TotalMs: Math.round(ours300Total),
    original300OnsetPlusMfccMs: Math.round(original300),
    streamingPeakRssMiB: Math.round(peakRss / 2 ** 20),
    streamingBaselineRssMiB: streamed.baselineRssMiB,
  };
  console.log(JSON.stringify(result));
  inner.dispose();
}

/** 78-dim summary (mean and std over frames of the 39 comprehensive-MFCC values) of a clip. */
function summary(clip: Float32Array): Float64Array {
  const f = comprehensiveMfcc(clip);
  const out = new Float64Array(2 * f.coefficients);
  for (let c = 0; c < f.coefficients; c++) {
    let s = 0;
    let s2 = 0;
    for (let t = 0; t < f.frames; t++) {
      const v = f.values[t * f.coefficients + c];
      s += v;
      s2 += v * v;
    }
    const m = s / f.frames;
    out[c] = m;
    out[f.coefficients + c] = Math.sqrt(Math.max(0, s2 / f.frames - m * m));
  }
  return out;
}

/** k-nearest-neighbours on standardised clip summaries, trained on isolated synthetic notes. */
class KnnClassifier {
  private mean!: Float64Array;
  private std!: Float64Array;
  private readonly points: { x: Float64Array; label: ToneClass }[] = [];
  constructor(train: { x: Float64Array; label: ToneClass }[], private readonly k = 7) {
    const d = train[0].x.length;
    this.mean = new Float64Array(d);
    this.std = new Float64Array(d);
    for (const p of train) for (let i = 0; i < d; i++) this.mean[i] += p.x[i] / train.length;
    for (const p of train) for (let i = 0; i < d; i++) this.std[i] += (p.x[i] - this.mean[i]) ** 2 / train.length;
    for (let i = 0; i < d; i++) this.std[i] = Math.sqrt(this.std[i]) || 1;
    for (const p of train) this.points.push({ x: this.norm(p.x), label: p.label });
  }
  private norm(x: Float64Array): Float64Array {
    return x.map((v, i) => (v - this.mean[i]) / this.std[i]);
  }
  predict(x: Float64Array): ToneClass {
    const z = this.norm(x);
    const d = this.points.map((p) => ({ label: p.label, d: p.x.reduce((s, v, i) => s + (v - z[i]) ** 2, 0) })).sort((a, b) => a.d - b.d);
    const votes: Record<ToneClass, number> = { buzzy: 0, clean: 0, muted: 0 };
    for (const n of d.slice(0, this.k)) votes[n.label]++;
    return CLASSES.reduce((a, b) => (votes[b] > votes[a] ? b : a));
  }
}

async function quality(seeds: number): Promise<void> {
  const result: Record<string, unknown> = { area: 'report-quality' };
  // Onset F1 per condition (thresholds were chosen on seeds 1-2), without and with one non-note click per second,
  // for the default detector and the two optional click tests (REJECT_CLICKS = minSustainedRise 0.01).
  const variants: { name: string; clicks: number; options: DetectOnsetsOptions }[] = [
    { name: 'default', clicks: 0, options: {} },
    { name: 'reject-clicks', clicks: 0, options: REJECT_CLICKS },
    { name: 'minPersistence .02', clicks: 0, options: { minPersistence: 0.02 } },
    { name: 'default +clicks', clicks: 1, options: {} },
    { name: 'reject-clicks +clicks', clicks: 1, options: REJECT_CLICKS },
    { name: 'minPersistence .02 +clicks', clicks: 1, options: { minPersistence: 0.02 } },
  ];
  console.log(`onset detection, F1 at ±50 ms, synthesizeTake 30 s, seeds 3..${2 + seeds} (clicks: 1 non-note click per second)`);
  console.log('condition        ' + variants.map((v) => v.name.padStart(Math.max(8, v.name.length + 1))).join(''));
  const f1s: Record<string, Record<string, number>> = {};
  const counts: Record<string, { tp: number; fp: number; fn: number }> = {};
  const mae: Record<string, number> = {};
  const registers: [string, number, number][] = [['E2-A2', 40, 45], ['A#2-E3', 46, 52], ['F3-E4', 53, 64], ['F4-E5', 65, 76], ['F5-E6', 77, 88]];
  const pitchCount = () => ({ n: 0, ok: 0 });
  const pitchByCondition: Record<string, { n: number; ok: number }> = {};
  const pitchByRegister: Record<string, { n: number; ok: number }> = Object.fromEntries(registers.map(([r]) => [r, pitchCount()]));
  const pitchAll = pitchCount();
  const pitchAudible = pitchCount();
  const dead = pitchCount();
  const pitcher = new NotePitchEstimator();
  for (const condition of TAKE_CONDITIONS) {
    f1s[condition] = {};
    pitchByCondition[condition] = pitchCount();
    const sums = variants.map(() => ({ tp: 0, fp: 0, fn: 0 }));
    let maeSum = 0;
    let maeN = 0;
    for (let s = 0; s < seeds; s++) {
      const takes = [synthesizeTake({ seconds: 30, seed: 3 + s, condition }), synthesizeTake({ seconds: 30, seed: 3 + s, condition, clicksPerSecond: 1 })];
      variants.forEach((v, k) => {
        const take = takes[v.clicks];
        const sc = onsetScores(detectOnsets(take.samples, v.options), take.truth.notes.map((n) => n.onsetSec));
        sums[k].tp += sc.truePositives;
        sums[k].fp += sc.falsePositives;
        sums[k].fn += sc.falseNegatives;
        if (k === 0) {
          maeSum += sc.meanAbsErrorSec * sc.truePositives;
          maeN += sc.truePositives;
        }
      });
      const take = takes[0];
      const truth = take.truth.notes;
      truth.forEach((n, i) => {
        const on = Math.round(n.onsetSec * SAMPLE_RATE);
        const end = i + 1 < truth.length ? Math.round(truth[i + 1].onsetSec * SAMPLE_RATE) : take.samples.length;
        const p = pitcher.estimate(take.samples, on, end).pitch;
        const ok = p !== null && Math.abs(centsBetween(p.hz, midiToHz(n.midi))) <= 50 ? 1 : 0;
        if (n.label === 'clean') {
          pitchAll.n++;
          pitchAll.ok += ok;
          // Notes at or below -45 dB sit near the noise floor of some takes ("audible" = louder).
          if (n.levelDb > -45) {
            for (const c of [pitchAudible, pitchByCondition[condition], pitchByRegister[registers.find(([, lo, hi]) => n.midi >= lo && n.midi <= hi)?.[0] ?? 'F5-E6']]) {
              c.n++;
              c.ok += ok;
            }
          }
        }
        if (n.variant === 'dead-note') {
          dead.n++;
          if (p === null) dead.ok++;
        }
      });
    }
    variants.forEach((v, k) => {
      const { tp, fp, fn } = sums[k];
      f1s[condition][v.name] = Number(((2 * tp) / (2 * tp + fp + fn)).toFixed(4));
      const c = (counts[v.name] ??= { tp: 0, fp: 0, fn: 0 });
      c.tp += tp;
      c.fp += fp;
      c.fn += fn;
    });
    mae[condition] = Number(((maeSum / Math.max(1, maeN)) * 1000).toFixed(1));
    console.log(`${condition.padEnd(17)}` + variants.map((v) => f1s[condition][v.name].toFixed(3).padStart(Math.max(8, v.name.length + 1))).join('') + `   (${sums[0].tp + sums[0].fn} notes, MAE ${mae[condition]} ms)`);
  }
  const pooled = Object.fromEntries(variants.map((v) => [v.name, Number(((2 * counts[v.name].tp) / (2 * counts[v.name].tp + counts[v.name].fp + counts[v.name].fn)).toFixed(4))]));
  console.log(`${'pooled'.padEnd(17)}` + variants.map((v) => pooled[v.name].toFixed(3).padStart(Math.max(8, v.name.length + 1))).join(''));
  result.onsetF1 = f1s;
  result.onsetF1Pooled = pooled;
  result.onsetMaeMs = mae;

  // The reference take (24 plucks with broadband clicks between them).
  const ref = readReferenceJson<{ truth_onset_times: number[]; onset_detect_defaults_times: number[] }>('librosa', 'onsets', 'pluck_take.json');
  const refBytes = readReferenceBytes('librosa', 'onsets', 'pluck_take.wav');
  const view = new DataView(refBytes.buffer, refBytes.byteOffset, refBytes.byteLength);
  const refTake = new Float32Array((refBytes.byteLength - 44) / 2).map((_, i) => view.getInt16(44 + 2 * i, true) / 32768);
  const refF1 = Object.fromEntries(variants.filter((v) => v.clicks === 0).map((v) => [v.name, Number(onsetScores(detectOnsets(refTake, v.options), ref.truth_onset_times).f1.toFixed(4))]));
  refF1['librosa onset_detect'] = Number(onsetScores(ref.onset_detect_defaults_times, ref.truth_onset_times).f1.toFixed(4));
  console.log('reference take F1: ' + Object.entries(refF1).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', '));
  result.referenceTakeF1 = refF1;

  const pct = (c: { n: number; ok: number }) => `${((100 * c.ok) / Math.max(1, c.n)).toFixed(1)}% of ${c.n}`;
  console.log(`\npitch (NotePitchEstimator at the true onsets, ±50 cents), clean notes louder than -45 dB: ${pct(pitchAudible)}; all clean notes ${pct(pitchAll)}; dead notes unpitched ${pct(dead)}`);
  console.log('  per condition: ' + TAKE_CONDITIONS.map((c) => `${c} ${pct(pitchByCondition[c])}`).join(', '));
  console.log('  per register:  ' + registers.map(([r]) => `${r} ${pct(pitchByRegister[r])}`).join(', '));
  const frac = (c: { n: number; ok: number }) => Number((c.ok / Math.max(1, c.n)).toFixed(4));
  result.pitch = {
    cleanAbove45dBWithin50c: frac(pitchAudible),
    cleanAbove45dB: pitchAudible.n,
    cleanWithin50c: frac(pitchAll),
    cleanNotes: pitchAll.n,
    perCondition: Object.fromEntries(TAKE_CONDITIONS.map((c) => [c, frac(pitchByCondition[c])])),
    perRegister: Object.fromEntries(registers.map(([r]) => [r, { within50c: frac(pitchByRegister[r]), notes: pitchByRegister[r].n }])),
    deadNotesUnpitched: frac(dead),
  };

  // Overlap policy: classify clips cut at the true onsets of fast takes with a k-NN trained on isolated notes.
  console.log('\noverlap policy study: k-NN (k=7) on comprehensive-MFCC mean/std, trained on 240 isolated synthetic notes');
  const rng = new Rng(77);
  const train: { x: Float64Array; label: ToneClass }[] = [];
  for (let i = 0; i < 240; i++) {
    const label = CLASSES[i % 3];
    train.push({ x: summary(synthesizeNote(sampleNoteParams({ label, rng: rng.fork(i) }))), label });
  }
  const knn = new KnnClassifier(train);
  const heldOut = Array.from({ length: 60 }, (_, i) => ({ label: CLASSES[i % 3], clip: synthesizeNote(sampleNoteParams({ label: CLASSES[i % 3], rng: rng.fork(1000 + i) })) }));
  const isolatedAcc = heldOut.filter((h) => knn.predict(summary(h.clip)) === h.label).length / heldOut.length;
  console.log(`k-NN accuracy on 60 held-out isolated notes: ${(isolatedAcc * 100).toFixed(1)}%`);
  result.knnIsolatedAccuracy = Number(isolatedAcc.toFixed(4));
  // The bundled model too, when it exists (models/default).
  const dir = path.join(REPO_ROOT, 'models', 'default');
  let bundled: TfClipClassifier | null = null;
  if (fs.existsSync(path.join(dir, 'metadata.json'))) {
    await initTf();
    bundled = await loadClassifier(new LocalFolderStore(dir), '');
  }
  const policyResult: Record<string, Record<string, number>> = {};
  const modelResult: Record<string, Record<string, number>> = {};
  console.log('take condition     ' + OVERLAP_POLICIES.map((p) => p.padStart(7)).join('') + (bundled ? '   | models/default: ' + OVERLAP_POLICIES.join(' / ') : ''));
  for (const condition of ['fast-run', 'overlapping', 'legato', 'mixed'] as const) {
    const correct: Record<OverlapPolicy, number> = { keep: 0, fade: 0, mask: 0 };
    const modelCorrect: Record<OverlapPolicy, number> = { keep: 0, fade: 0, mask: 0 };
    let total = 0;
    for (let s = 0; s < 3; s++) {
      const take = synthesizeTake({ seconds: 30, seed: 100 + s, condition });
      const truth = take.truth.notes;
      for (const policy of OVERLAP_POLICIES) {
        const clips = truth.map((n, i) =>
          cutClip({ source: take.samples, onsetSample: Math.round(n.onsetSec * SAMPLE_RATE), nextOnsetSample: i + 1 < truth.length ? Math.round(truth[i + 1].onsetSec * SAMPLE_RATE) : null, overlap: policy }),
        );
        clips.forEach((clip, i) => {
          if (knn.predict(summary(clip)) === truth[i].label) correct[policy]++;
        });
        if (bundled) {
          const probs = await bundled.classifyClips(clips);
          probs.forEach((p, i) => {
            if (CLASSES.reduce((a, b) => (p[b] > p[a] ? b : a)) === truth[i].label) modelCorrect[policy]++;
          });
        }
      }
      total += truth.length;
    }
    policyResult[condition] = Object.fromEntries(OVERLAP_POLICIES.map((p) => [p, Number((correct[p] / total).toFixed(4))]));
    if (bundled) modelResult[condition] = Object.fromEntries(OVERLAP_POLICIES.map((p) => [p, Number((modelCorrect[p] / total).toFixed(4))]));
    const pct = (c: Record<OverlapPolicy, number>) => OVERLAP_POLICIES.map((p) => ((c[p] / total) * 100).toFixed(1).padStart(6) + '%').join('');
    console.log(`${condition.padEnd(17)}  ${pct(correct)}  (${total} notes)${bundled ? '   | ' + pct(modelCorrect) : ''}`);
  }
  result.overlapAccuracyKnn = policyResult;
  if (bundled) {
    result.overlapAccuracyModel = modelResult;
    result.model = bundled.identity;
    bundled.dispose();
  }
  console.log(JSON.stringify(result));
}

/** Child process: report of a WAV file through the streaming path; prints one JSON line. */
async function streamFile(file: string): Promise<void> {
  const inner = await model();
  const warm = synthesizeTake({ seconds: 5, seed: 2 });
  await buildTakeReport({ source: 'warm', audio: { sampleRate: 22050, durationSec: 5, samples: warm.samples }, classifier: inner });
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const c0 = cpuMs();
  const { source, close } = await fileSource(file);
  const stream = await openWavStream(source, { chunkSeconds: 10 });
  const report = await buildTakeReport({ source: file, audio: stream, classifier: inner, onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
  await close();
  console.log(JSON.stringify({ cpuMs: Math.round(cpuMs() - c0), notes: report.notes.length, baselineRssMiB: Math.round(baseline / 2 ** 20), peakRssMiB: Math.round(peak / 2 ** 20) }));
}

async function mainBench(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, quality: { type: 'boolean' }, seeds: { type: 'string' }, 'stream-file': { type: 'string' } } });
  if (values['stream-file']) await streamFile(values['stream-file']);
  else if (values.quality) await quality(Number(values.seeds ?? 5));
  else await speed(Number(values.minutes ?? 10));
}

mainBench().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
