/**
 * Issue 12's speed targets, measured as a user meets them: cold CLI processes of the compiled build.
 *   npx tsx bench/speed.ts [--minutes 10] [--long] [--skip-http]
 * - `buzzfinder report take.wav --json`, cold, for a 10-minute take at 22050 Hz mono 16-bit and at 44.1 kHz
 *   stereo 24-bit: wall time, CPU time (user + sys, all threads), peak RSS (GNU time), times real-time; then the
 *   same take in this process with per-stage times (main thread: decode + resample, onsets, pitch, clips; the
 *   classifier workers: features, model);
 * - `buzzfinder classify <clip> --json`, cold (median of 5);
 * - HTTP classify on the local stack (`buzzfinder serve`, loopback): p50 / p99 / req/s at c = 8 (autocannon), as fast as
 *   it goes and for Poisson arrivals at 150 req/s (open loop);
 * - `--long` (instead of the above): peak RSS of the cold report of a 60-minute 48 kHz stereo 24-bit take (a 1 GB
 *   file on disk, the 10-minute take resampled to 48 kHz six times over).
 * The machine is shared: every row carries the load average when it was measured. Prints a table, then one JSON line.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerClassifier, defaultWorkerCount } from '../adapters/classifier-workers';
import { REPO_ROOT } from '../adapters/config';
import { fileSource } from '../cli/commands/report';
import { freePort } from '../scripts/emulators/process';
import { encodeWav16 } from '../shared/audio/encode';
import { resample } from '../shared/audio/resample';
import { openWavStream } from '../shared/audio/stream';
import { SAMPLE_RATE } from '../shared/constants';
import { buildTakeReport, ReportTimings } from '../shared/report/build';
import { Rng } from '../shared/rng';
import { synthesizeTake } from '../shared/synth/take';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS module shared with bin/
const { checkBuild } = require('../bin/build-stamp') as { checkBuild(root: string): { fresh: boolean; reason?: string } };

/** The original Python pipeline on the 10-minute 22050 Hz take, warm in its process (issue 12). */
const ORIGINAL_PYTHON_SEC = 3.27;
const BIN = path.join(REPO_ROOT, 'bin', 'buzzfinder.js');
const CLIP = path.join(REPO_ROOT, '..', 'shared', 'reference', 'real-clips', 'gu_clean4.wav');

const load = () => os.loadavg()[0].toFixed(1);

interface ColdRun {
  wallSec: number;
  cpuSec: number;
  peakRssMiB: number;
  load: string;
}

/** One cold CLI process under GNU time: wall, user + sys of all its threads, peak RSS. */
function cold(args: string[], env: NodeJS.ProcessEnv = {}): ColdRun {
  const timeFile = path.join(os.tmpdir(), `bf-speed-time-${process.pid}`);
  const loadBefore = load();
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, process.execPath, BIN, ...args], {
    env: { ...process.env, BUZZFINDER_FROM_SOURCE: undefined, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`buzzfinder ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [wall, user, sys, rssKb] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  fs.rmSync(timeFile, { force: true });
  return { wallSec: wall, cpuSec: user + sys, peakRssMiB: Math.round(rssKb / 1024), load: loadBefore };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Writes a 24-bit PCM stereo WAV block by block: frame i = (left(i), right(i)); never the whole file in memory. */
function writeStereo24(file: string, rate: number, frames: number, sampleAt: (i: number) => number): void {
  const bytes = frames * 6;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + bytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 6, 28);
  header.writeUInt16LE(6, 32);
  header.writeUInt16LE(24, 34);
  header.write('data', 36);
  header.writeUInt32LE(bytes, 40);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, header);
  const block = Buffer.alloc(6 * 65536);
  for (let start = 0; start < frames; start += 65536) {
    const n = Math.min(65536, frames - start);
    for (let k = 0; k < n; k++) {
      const i = start + k;
      const left = Math.max(-8388608, Math.min(8388607, Math.round(sampleAt(i) * 8388607)));
      const right = Math.max(-8388608, Math.min(8388607, Math.round(0.9 * sampleAt(Math.max(0, i - 5)) * 8388607)));
      block.writeIntLE(left, 6 * k, 3);
      block.writeIntLE(right, 6 * k + 3, 3);
    }
    fs.writeSync(fd, block, 0, 6 * n);
  }
  fs.closeSync(fd);
}

interface Stages {
  notes: number;
  decodeMs: number;
  onsetsMs: number;
  pitchMs: number;
  clipsMs: number;
  featuresMs: number;
  modelMs: number;
  wallMs: number;
}

/** The report of `file` in this process, as the CLI builds it, with the time of each stage. */
async function stages(file: string): Promise<Stages> {
  const pool = new WorkerClassifier(path.join(REPO_ROOT, 'models', 'default'));
  await pool.ready;
  const t0 = performance.now();
  const { source, close } = await fileSource(file);
  const wav = await openWavStream(source, { reuseChunks: true });
  let decodeMs = 0;
  const audio = {
    sampleRate: wav.sampleRate,
    durationSec: wav.durationSec,
    async *chunks() {
      const it = wav.chunks()[Symbol.asyncIterator]();
      for (;;) {
        const d0 = performance.now();
        const next = await it.next();
        decodeMs += performance.now() - d0;
        if (next.done) return;
        yield next.value;
      }
    },
  };
  const timings: ReportTimings = { onsets: 0, pitch: 0, clips: 0, classify: 0, total: 0 };
  const report = await buildTakeReport({ source: file, audio, classifier: pool, inFlightBatches: 2 * defaultWorkerCount(), timings });
  const wallMs = performance.now() - t0;
  await close();
  await pool.close();
  const r = Math.round;
  return { notes: report.notes.length, decodeMs: r(decodeMs), onsetsMs: r(timings.onsets), pitchMs: r(timings.pitch), clipsMs: r(timings.clips), featuresMs: r(pool.stats.featuresMs), modelMs: r(pool.stats.modelMs), wallMs: r(wallMs) };
}

interface HttpRun {
  p50: number;
  p99: number;
  rps: number;
  requests: number;
  errors: number;
  load: string;
}

/** The issue's throughput floor: the offered load at which latency is also measured. */
const HTTP_TARGET_RPS = 150;

/**
 * An open-loop client: requests arrive as a Poisson process of `rps` (seeded exponential gaps) over at most 8
 * keep-alive connections, and each latency runs from the request's scheduled arrival, so a late timer or a
 * request waiting for a free connection counts against the server. (autocannon's `overallRate` sends each
 * second's requests in bursts, which measures its own queue: p50 11–14 ms even at 10 req/s, against 3.3 ms for
 * one request at a time.)
 */
async function openLoop(url: URL, body: Buffer, rps: number, durationSec: number): Promise<HttpRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const latencies: number[] = [];
  let errors = 0;
  const send = (scheduled: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'audio/wav', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - scheduled);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const loadBefore = load();
  const rng = new Rng(1); // a fixed seed: the same arrival times in every run
  const sent: Promise<void>[] = [];
  const start = performance.now();
  for (let at = 0; at < durationSec * 1000; at += (-Math.log(1 - rng.next()) * 1000) / rps) {
    const wait = start + at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.push(send(start + at));
  }
  await Promise.all(sent);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(1));
  return { p50: q(0.5), p99: q(0.99), rps: Math.round(latencies.length / seconds), requests: latencies.length, errors, load: loadBefore };
}

/**
 * HTTP classify on the local stack as `npm start` runs it, c = 8, twice: as fast as 8 connections go (autocannon:
 * the throughput; a closed loop at saturation has p50 = 8 / throughput by Little's law), and at an offered
 * HTTP_TARGET_RPS over the same 8 connections (openLoop: the latency a client sees at that load).
 */
async function httpClassify(durationSec: number): Promise<{ saturated: HttpRun; atTarget: HttpRun }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<{ latency: { p50: number; p99: number }; requests: { average: number; total: number }; errors: number; non2xx: number }>;
  const port = await freePort();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-speed-stack-'));
  const stack = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, BUZZFINDER_FROM_SOURCE: undefined, PORT: String(port), BUZZFINDER_LOCAL_ROOT: root }, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`stack did not start: ${err}`)), 60_000);
      stack.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes(`127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const request = { url: `http://127.0.0.1:${port}/`, method: 'POST', headers: { 'content-type': 'audio/wav' }, body: fs.readFileSync(CLIP) };
    await autocannon({ ...request, connections: 1, amount: 30 }); // model load, JIT, XNNPACK operators
    const loadBefore = load();
    const r = await autocannon({ ...request, connections: 8, duration: durationSec, timeout: 30 });
    const saturated = { p50: r.latency.p50, p99: r.latency.p99, rps: Math.round(r.requests.average), requests: r.requests.total, errors: r.errors + r.non2xx, load: loadBefore };
    return { saturated, atTarget: await openLoop(new URL(request.url), request.body, HTTP_TARGET_RPS, durationSec) };
  } finally {
    stack.kill('SIGTERM');
    await new Promise((r) => stack.once('exit', r));
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, long: { type: 'boolean' }, 'skip-http': { type: 'boolean' } } });
  const build = checkBuild(REPO_ROOT);
  if (!build.fresh) throw new Error(`bench/speed measures the compiled CLI, but ${build.reason}: run \`npm run build\` first`);
  const minutes = Number(values.minutes ?? 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-speed-'));
  const result: Record<string, unknown> = { area: 'speed', cores: os.availableParallelism(), workers: defaultWorkerCount(), minutes };
  try {
    process.stderr.write(`synthesising a ${minutes}-minute take...\n`);
    const take = synthesizeTake({ seconds: minutes * 60, seed: 1, condition: 'mixed' });
    if (values.long) {
      const long = path.join(dir, 'take-60min-48000-stereo24.wav');
      process.stderr.write('writing a 60-minute 48 kHz stereo 24-bit take (the 10-minute take resampled, 6 times)...\n');
      const at48 = resample(take.samples, { fromRate: SAMPLE_RATE, toRate: 48000 });
      const frames = 3600 * 48000;
      writeStereo24(long, 48000, frames, (i) => at48[i % at48.length]);
      const r = cold(['report', long, '--json'], { BUZZFINDER_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3) });
      console.log(`cold report of a 60-minute 48 kHz stereo 24-bit take (${(fs.statSync(long).size / 2 ** 20).toFixed(0)} MiB): peak RSS ${r.peakRssMiB} MiB, wall ${r.wallSec.toFixed(1)} s, CPU ${r.cpuSec.toFixed(1)} s (load ${r.load})`);
      result.long60min = r;
      console.log(JSON.stringify(result));
      return;
    }
    const mono = path.join(dir, 'take-22050-mono16.wav');
    fs.writeFileSync(mono, encodeWav16(take.samples, SAMPLE_RATE));
    const at44 = resample(take.samples, { fromRate: SAMPLE_RATE, toRate: 44100 });
    const stereo = path.join(dir, 'take-44100-stereo24.wav');
    writeStereo24(stereo, 44100, at44.length, (i) => at44[i]);

    console.log(`cold \`buzzfinder report <take> --json\`, ${minutes}-minute take (${os.availableParallelism()} cores, ${defaultWorkerCount()} classifier workers)`);
    console.log('take                     | wall s | CPU s | peak RSS MiB | x real-time | load | notes | stages in-process ms (decode, onsets, pitch, clips | features, model: workers) | in-process wall ms');
    const takes: Record<string, unknown> = {};
    for (const [name, file] of [['22050 Hz mono 16-bit', mono], ['44.1 kHz stereo 24-bit', stereo]] as const) {
      cold(['report', file, '--json']); // page cache, so the first timed run is not a disk-read measurement
      const runs = [cold(['report', file, '--json']), cold(['report', file, '--json']), cold(['report', file, '--json'])];
      const best = runs.reduce((a, b) => (b.wallSec < a.wallSec ? b : a));
      const s = await stages(file);
      const xrt = (minutes * 60) / best.wallSec;
      console.log(
        `${name.padEnd(24)} | ${best.wallSec.toFixed(2).padStart(6)} | ${best.cpuSec.toFixed(2).padStart(5)} | ${String(best.peakRssMiB).padStart(12)} | ${xrt.toFixed(0).padStart(11)} | ${best.load.padStart(4)} | ${String(s.notes).padStart(5)} | ${s.decodeMs}, ${s.onsetsMs}, ${s.pitchMs}, ${s.clipsMs} | ${s.featuresMs}, ${s.modelMs} | ${s.wallMs}`,
      );
      console.log(`${''.padEnd(24)}   all runs (wall / CPU s, load): ${runs.map((r) => `${r.wallSec.toFixed(2)} / ${r.cpuSec.toFixed(2)} (${r.load})`).join(', ')}`);
      takes[name] = { best, runs, timesRealTime: Number(xrt.toFixed(1)), stages: s };
    }
    const bestMono = (takes['22050 Hz mono 16-bit'] as { best: ColdRun }).best;
    console.log(`original Python pipeline on the 22050 Hz take: ${ORIGINAL_PYTHON_SEC} s warm -> ours cold ${bestMono.wallSec.toFixed(2)} s = ${(ORIGINAL_PYTHON_SEC / bestMono.wallSec).toFixed(2)}x its speed`);
    result.report = takes;

    const classifyRuns = Array.from({ length: 5 }, () => cold(['classify', CLIP, '--json']));
    const classifyWall = median(classifyRuns.map((r) => r.wallSec));
    console.log(`cold \`buzzfinder classify <clip> --json\`: median wall ${classifyWall.toFixed(2)} s (runs ${classifyRuns.map((r) => `${r.wallSec.toFixed(2)}/${r.cpuSec.toFixed(2)} CPU @${r.load}`).join(', ')})`);
    result.classifyCold = { medianWallSec: classifyWall, runs: classifyRuns };

    if (!values['skip-http']) {
      const h = await httpClassify(8);
      const line = (r: HttpRun) => `p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.rps} req/s, ${r.requests} requests, ${r.errors} errors (load ${r.load})`;
      console.log(`HTTP classify (local stack, loopback, c=8, 8 s), as fast as it goes: ${line(h.saturated)}`);
      console.log(`HTTP classify (local stack, loopback, ≤ 8 connections, 8 s), Poisson arrivals at ${HTTP_TARGET_RPS} req/s: ${line(h.atTarget)}`);
      result.http = h;
    }

    console.log(JSON.stringify(result));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
