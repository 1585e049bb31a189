/**
 * Feature extraction speed: `npx tsx bench/features.ts [--clips 300] [--minutes 10] [--repeats 5]`.
 * - comprehensiveMfcc (87 x 39) of N random 2 s clips (librosa 0.9.2: ~0.8 s for 300 on the reference machine);
 * - the same through extractFeatureBatch (what training and classification call);
 * - melSpectrogram + powerToDb of a long signal (the report's onset-strength front end);
 * - the same two through the plain-JS FFT fallback (melSpectrogramInto with { fft: 'js' }), for comparison;
 * - meyda descriptors (describeSegment) of a 10 s segment.
 * Reports the best of `repeats` runs after a warm-up, as wall time and as this process's CPU time (the machine is
 * shared, so CPU time is the steadier number). Prints a table, then one JSON line.
 */
import { parseArgs } from 'node:util';
import { CLIP_SAMPLES, SAMPLE_RATE } from '../shared/constants';
import { comprehensiveMfcc } from '../shared/features/comprehensive';
import { describeSegment } from '../shared/features/descriptors';
import { extractFeatureBatch, SEED_PIPELINE } from '../shared/features/pipeline';
import { centeredFrameCount, melSpectrogram, melSpectrogramInto, powerToDb, SEED_MEL_PLAN } from '../shared/features/spectrogram';
import { Rng } from '../shared/rng';

const LIBROSA_300_CLIPS_SEC = 0.8;

function randomSignal(rng: Rng, samples: number): Float32Array {
  const y = new Float32Array(samples);
  const hz = rng.uniform(80, 680);
  for (let i = 0; i < samples; i++) {
    const t = i / SAMPLE_RATE;
    y[i] = 0.5 * Math.exp(-2 * (t % 2)) * Math.sin(2 * Math.PI * hz * t) + 0.01 * rng.gaussian();
  }
  return y;
}

interface Timing {
  wallSec: number;
  cpuSec: number;
}

function best(repeats: number, fn: () => void): Timing {
  fn(); // warm-up (JIT)
  let wallSec = Infinity;
  let cpuSec = Infinity;
  for (let r = 0; r < repeats; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    wallSec = Math.min(wallSec, Number(process.hrtime.bigint() - t0) / 1e9);
    const cpu = process.cpuUsage(cpu0);
    cpuSec = Math.min(cpuSec, (cpu.user + cpu.system) / 1e6);
  }
  return { wallSec, cpuSec };
}

const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

function main(): void {
  const { values } = parseArgs({
    options: { clips: { type: 'string', default: '300' }, minutes: { type: 'string', default: '10' }, repeats: { type: 'string', default: '5' } },
  });
  const nClips = Number(values.clips);
  const minutes = Number(values.minutes);
  const repeats = Number(values.repeats);
  const rng = new Rng(20261124);
  const clips = Array.from({ length: nClips }, () => randomSignal(rng, CLIP_SAMPLES));
  const long = randomSignal(rng, Math.round(minutes * 60 * SAMPLE_RATE));
  const segment = randomSignal(rng, 10 * SAMPLE_RATE);

  const single = best(repeats, () => {
    for (const c of clips) comprehensiveMfcc(c);
  });
  const batch = best(repeats, () => {
    extractFeatureBatch(SEED_PIPELINE, clips);
  });
  let frames = 0;
  const longMel = best(Math.max(1, Math.min(repeats, 3)), () => {
    const mel = melSpectrogram(long);
    powerToDb(mel.data);
    frames = mel.frames;
  });
  const melClipsJs = best(Math.max(1, Math.min(repeats, 3)), () => {
    const out = new Float64Array(centeredFrameCount(CLIP_SAMPLES, SEED_MEL_PLAN.hopLength) * SEED_MEL_PLAN.nMels);
    for (const c of clips) melSpectrogramInto(c, SEED_MEL_PLAN, out, { fft: 'js' });
  });
  const melClipsWasm = best(Math.max(1, Math.min(repeats, 3)), () => {
    const out = new Float64Array(centeredFrameCount(CLIP_SAMPLES, SEED_MEL_PLAN.hopLength) * SEED_MEL_PLAN.nMels);
    for (const c of clips) melSpectrogramInto(c, SEED_MEL_PLAN, out);
  });
  const longMelJs = best(1, () => {
    const out = new Float64Array(frames * SEED_MEL_PLAN.nMels);
    melSpectrogramInto(long, SEED_MEL_PLAN, out, { fft: 'js' });
    powerToDb(Float32Array.from(out));
  });
  const descriptors = best(Math.max(1, Math.min(repeats, 3)), () => {
    describeSegment(segment);
  });
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  const per300 = (s: number) => s * (300 / nClips);
  const speedup = (s: number) => LIBROSA_300_CLIPS_SEC / per300(s);

  const rows: string[][] = [
    ['task', 'wall', 'cpu', 'notes'],
    [`comprehensiveMfcc x ${nClips}`, ms(single.wallSec), ms(single.cpuSec), `${((single.cpuSec / nClips) * 1e3).toFixed(2)} ms/clip cpu; vs librosa 0.8 s/300: ${speedup(single.wallSec).toFixed(2)}x wall, ${speedup(single.cpuSec).toFixed(2)}x cpu`],
    [`extractFeatureBatch x ${nClips}`, ms(batch.wallSec), ms(batch.cpuSec), 'N x 87 x 39 Float32Array'],
    [`melSpectrogram+powerToDb ${minutes} min`, ms(longMel.wallSec), ms(longMel.cpuSec), `${frames} frames, ${((longMel.cpuSec / frames) * 1e6).toFixed(1)} us/frame cpu`],
    [`mel spectra of ${nClips} clips (wasm)`, ms(melClipsWasm.wallSec), ms(melClipsWasm.cpuSec), `${((melClipsWasm.cpuSec / (nClips * 87)) * 1e6).toFixed(1)} us/frame cpu (window, FFT, power, mel)`],
    [`mel spectra of ${nClips} clips (JS FFT)`, ms(melClipsJs.wallSec), ms(melClipsJs.cpuSec), `${((melClipsJs.cpuSec / (nClips * 87)) * 1e6).toFixed(1)} us/frame cpu (fallback path)`],
    [`melSpectrogram+powerToDb ${minutes} min (JS FFT)`, ms(longMelJs.wallSec), ms(longMelJs.cpuSec), 'fallback path, single run'],
    ['describeSegment 10 s (meyda)', ms(descriptors.wallSec), ms(descriptors.cpuSec), 'rms, zcr, centroid, flatness per 2048/512 frame'],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) process.stdout.write(r.map((cell, c) => (c === 3 ? cell : cell.padEnd(widths[c]))).join('  ') + '\n');
  process.stdout.write(`rss ${rssMiB.toFixed(0)} MiB\n`);
  const round = (x: number) => Number(x.toFixed(4));
  process.stdout.write(
    JSON.stringify({
      bench: 'features',
      clips: nClips,
      comprehensiveWallSec: round(single.wallSec),
      comprehensiveCpuSec: round(single.cpuSec),
      batchWallSec: round(batch.wallSec),
      speedupVsLibrosaWall: round(speedup(single.wallSec)),
      speedupVsLibrosaCpu: round(speedup(single.cpuSec)),
      longSignalMinutes: minutes,
      longSignalFrames: frames,
      longMelWallSec: round(longMel.wallSec),
      longMelCpuSec: round(longMel.cpuSec),
      longMelJsFftCpuSec: round(longMelJs.cpuSec),
      clipMelWasmCpuSec: round(melClipsWasm.cpuSec),
      clipMelJsFftCpuSec: round(melClipsJs.cpuSec),
      describeSegment10sWallSec: round(descriptors.wallSec),
      rssMiB: Math.round(rssMiB),
    }) + '\n',
  );
}

main();
