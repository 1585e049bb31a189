/**
 * Audio benchmark: decode + resample of a 10-minute take, batch (loadAudio) and streaming (openWavStream),
 * 44.1 kHz and 48 kHz 16-bit stereo → 22050 Hz. Run: npx tsx bench/audio.ts [--minutes N]
 * Prints a table, then one JSON line of results.
 */
import * as os from 'node:os';
import { decodeWav } from '../shared/audio/decode';
import { loadAudio } from '../shared/audio/load';
import { resample } from '../shared/audio/resample';
import { ByteSource } from '../shared/audio/source';
import { openWavStream } from '../shared/audio/stream';
import { SAMPLE_RATE } from '../shared/constants';

const minutesArg = process.argv.indexOf('--minutes');
const MINUTES = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 10;
const CHANNELS = 2;

function header(sampleRate: number, frames: number): Uint8Array {
  const bytes = new Uint8Array(44);
  const v = new DataView(bytes.buffer);
  const text = (o: number, s: string) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  v.setUint32(4, 36 + frames * CHANNELS * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, CHANNELS, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * CHANNELS * 2, true);
  v.setUint16(32, CHANNELS * 2, true);
  v.setUint16(34, 16, true);
  text(36, 'data');
  v.setUint32(40, frames * CHANNELS * 2, true);
  return bytes;
}

/** One second of a guitar-ish signal (decaying harmonics + a little noise), 16-bit stereo. */
function secondOfAudio(sampleRate: number): Uint8Array {
  const out = new Uint8Array(sampleRate * CHANNELS * 2);
  const v = new DataView(out.buffer);
  let seed = 12345;
  for (let i = 0; i < sampleRate; i++) {
    const t = i / sampleRate;
    let s = 0;
    for (let h = 1; h <= 6; h++) s += Math.sin(2 * Math.PI * 110 * h * t) / h;
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const noise = seed / 2147483648 - 0.5;
    const left = 0.3 * s * Math.exp(-3 * t) + 0.01 * noise;
    v.setInt16(i * 4, Math.round(12000 * left), true);
    v.setInt16(i * 4 + 2, Math.round(12000 * left * 0.8), true);
  }
  return out;
}

function wavInMemory(sampleRate: number, seconds: number): Uint8Array {
  const second = secondOfAudio(sampleRate);
  const bytes = new Uint8Array(44 + second.length * seconds);
  bytes.set(header(sampleRate, sampleRate * seconds));
  for (let s = 0; s < seconds; s++) bytes.set(second, 44 + s * second.length);
  return bytes;
}

/** The same file as a ByteSource that never holds more than one second of it (so RSS shows the reader's memory). */
function wavSource(sampleRate: number, seconds: number): ByteSource {
  const head = header(sampleRate, sampleRate * seconds);
  const second = secondOfAudio(sampleRate);
  const size = head.length + second.length * seconds;
  return {
    size,
    read: async (offset, length) => {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      for (let i = 0; i < out.length; ) {
        const at = offset + i;
        if (at < head.length) {
          out[i++] = head[at];
          continue;
        }
        const within = (at - head.length) % second.length;
        const n = Math.min(out.length - i, second.length - within);
        out.set(second.subarray(within, within + n), i);
        i += n;
      }
      return out;
    },
  };
}

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

/** CPU milliseconds (user + system) since `start`: steadier than wall time on a shared machine. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function time<T>(fn: () => T): [T, number, number] {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  return [value, performance.now() - t0, cpuMs(cpu)];
}

async function streamRun(sampleRate: number, seconds: number) {
  if (global.gc) global.gc();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed + before.arrayBuffers;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const stream = await openWavStream(wavSource(sampleRate, seconds), { chunkSeconds: 10 });
  let samples = 0;
  for await (const chunk of stream.chunks()) {
    samples += chunk.length;
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
  }
  const ms = performance.now() - t0;
  return { ms, cpu: cpuMs(cpu), samples, rssGrowthMb: mb(peakRss - before.rss), heapGrowthMb: mb(peakHeap - before.heapUsed - before.arrayBuffers) };
}

async function main(): Promise<void> {
  const seconds = Math.round(MINUTES * 60);
  const results: Record<string, number> = { minutes: MINUTES };
  const rows: string[][] = [];
  const row = (name: string, ms: number, cpu: number, extra = '') =>
    rows.push([name, ms.toFixed(0), cpu.toFixed(0), (seconds / (ms / 1000)).toFixed(0) + 'x', extra]);

  for (const rate of [44100, 48000]) {
    const bytes = wavInMemory(rate, seconds);
    const [decoded, decodeMs, decodeCpu] = time(() => decodeWav(bytes));
    const [resampled, resampleMs, resampleCpu] = time(() => resample(decoded.mono, { fromRate: rate, toRate: SAMPLE_RATE }));
    const [loaded, loadMs, loadCpu] = time(() => loadAudio(bytes));
    if (loaded.samples.length !== resampled.length) throw new Error('length mismatch');
    row(`decode ${rate / 1000} kHz 16-bit stereo`, decodeMs, decodeCpu);
    row(`resample ${rate} → ${SAMPLE_RATE}`, resampleMs, resampleCpu);
    row(`loadAudio (batch) ${rate / 1000} kHz`, loadMs, loadCpu, `${mb(bytes.length)} MB file`);
    results[`decode_ms_${rate}`] = Math.round(decodeMs);
    results[`resample_ms_${rate}`] = Math.round(resampleMs);
    results[`resample_cpu_ms_${rate}`] = Math.round(resampleCpu);
    results[`load_ms_${rate}`] = Math.round(loadMs);
    results[`load_cpu_ms_${rate}`] = Math.round(loadCpu);
    results[`load_realtime_x_${rate}`] = Math.round(seconds / (loadMs / 1000));

    const s = await streamRun(rate, seconds);
    if (s.samples !== loaded.samples.length) throw new Error('stream length mismatch');
    row(`openWavStream ${rate / 1000} kHz`, s.ms, s.cpu, `RSS +${s.rssGrowthMb} MB, heap+buffers +${s.heapGrowthMb} MB`);
    results[`stream_ms_${rate}`] = Math.round(s.ms);
    results[`stream_cpu_ms_${rate}`] = Math.round(s.cpu);
    results[`stream_realtime_x_${rate}`] = Math.round(seconds / (s.ms / 1000));
    results[`stream_rss_growth_mb_${rate}`] = s.rssGrowthMb;
    results[`stream_heap_growth_mb_${rate}`] = s.heapGrowthMb;
  }

  console.log(`audio bench: ${MINUTES} min takes, 16-bit stereo (realtime = audio seconds per wall second; load average ${os.loadavg()[0].toFixed(1)})`);
  results.load_average = Math.round(os.loadavg()[0] * 10) / 10;
  const widths = [38, 9, 9, 9, 0];
  console.log(['step', 'wall ms', 'cpu ms', 'realtime', 'notes'].map((c, i) => c.padEnd(widths[i])).join(' '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join(' '));
  console.log(JSON.stringify({ bench: 'audio', ...results }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
