/**
 * Bad input under load, on loopback only (the server is a child process: the functions framework's server on
 * 127.0.0.1 with the classify handler and models/default, as the local stack runs it).
 *  1. Mixed load: good 2 s notes and the bad-input corpus (test/helpers/bad-inputs.ts) in a seeded order, at
 *     concurrency 8, bounded by --requests (default 800) and --seconds (default 90): p50/p99 (all, good, bad)
 *     and counts by status:code.
 *  2. Junk bodies: --junk-count (8) concurrent uploads of --junk-mib (200) MiB of random bytes as audio/wav with
 *     a Content-Length under the cap: server RSS before, peak while they arrive, after; time to each answer.
 *     Measured on the guarded server and, for comparison, on the framework's unguarded server (the old path:
 *     body-parser buffers every body before the handler runs).
 * Run: npx tsx bench/bad-input.ts [--requests N] [--seconds S] [--junk-count N] [--junk-mib M] [--skip-old]. Prints tables,
 * then one JSON line. Everything stops by itself (client timeouts, bounded counts, the child is ended).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import { REPO_ROOT } from '../adapters/config';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { createClassifyHandler } from '../functions/classify';
import { setLogSink } from '../functions/logger';
import { ModelCache } from '../functions/model-cache';
import { guardedFrameworkServer } from '../functions/request-body';
import { DEFAULT_MAX_INPUT_BYTES } from '../shared/constants';
import { Rng } from '../shared/rng';
import { httpOnlyCorpus, junkBody, pluckAt, wavCorpus } from '../test/helpers/bad-inputs';
import { encodeWav16 } from '../shared/audio/encode';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REQUEST_TIMEOUT_MS = 60_000;
const RSS_SAMPLE_MS = 10;

async function serverMain(): Promise<void> {
  await initTf();
  setLogSink(() => undefined);
  const models = new ModelCache({ resolveLatest: async () => null, fallback: { store: new LocalFolderStore(path.join(REPO_ROOT, 'models', 'default')), prefix: '' }, refreshSec: 3600 });
  await models.identity();
  functions.http('classifyBadInputBench', createClassifyHandler({ models, maxUploadBytes: DEFAULT_MAX_INPUT_BYTES }));
  const server: Server = process.argv.includes('--unguarded') ? (getTestServer('classifyBadInputBench') as Server) : guardedFrameworkServer('classifyBadInputBench');
  let peak = 0;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), RSS_SAMPLE_MS).unref();
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: (server.address() as { port: number }).port }) + '\n'));
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'stats') {
      const rss = process.memoryUsage().rss;
      process.stdout.write(JSON.stringify({ rssMiB: rss / 2 ** 20, peakMiB: Math.max(peak, rss) / 2 ** 20 }) + '\n');
    } else if (line === 'reset-peak') {
      global.gc?.();
      peak = process.memoryUsage().rss;
      process.stdout.write(JSON.stringify({ ok: true }) + '\n');
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

interface Child {
  port: number;
  ask(command: string): Promise<Record<string, number>>;
  stop(): void;
}

async function startServer(unguarded: boolean): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', '--require', require.resolve('tsx/cjs'), __filename, '--server', ...(unguarded ? ['--unguarded'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const next = () => new Promise<Record<string, number>>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  const ready = await next();
  return {
    port: ready.port,
    ask: (command) => {
      const answer = next();
      child.stdin!.write(`${command}\n`);
      return answer;
    },
    stop: () => child.stdin!.end(),
  };
}

interface Outcome {
  key: string;
  ms: number;
}

/** One request; resolves with "status:code" and its latency (or "timeout" / "reset"), never rejects. */
function post(port: number, headers: Record<string, string>, body: Buffer | undefined, method = 'POST'): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (key: string) => resolve({ key, ms: performance.now() - started });
    const req = http.request({ host: '127.0.0.1', port, method, path: '/', headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        let code = 'ok';
        try {
          code = (JSON.parse(Buffer.concat(chunks).toString()) as { error?: { code: string } }).error?.code ?? 'ok';
        } catch {
          code = 'not-json';
        }
        done(`${res.statusCode}:${code}`);
      });
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done(err.message === 'timeout' ? 'timeout' : 'reset'));
    req.end(body);
  });
}

function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
}

async function mixedLoad(port: number, requests: number, seconds: number) {
  const good = Buffer.from(encodeWav16(pluckAt(22050, 2), 22050));
  // The corpus without inputs that need raw sockets or are bigger than a few MiB (they are the junk phase's job).
  const bad = [
    ...wavCorpus().filter((c) => c.bytes.length < 4 * 1024 * 1024).map((c) => ({ name: c.name, method: 'POST', headers: { 'content-type': 'audio/wav' }, body: c.bytes })),
    ...httpOnlyCorpus().filter((c) => !c.raw && (c.body?.length ?? 0) < 4 * 1024 * 1024).map((c) => ({ name: c.name, method: c.method ?? 'POST', headers: c.headers ?? {}, body: c.body })),
  ];
  const rng = new Rng(11);
  const plan = Array.from({ length: requests }, () => (rng.chance(0.5) ? { name: 'good', method: 'POST', headers: { 'content-type': 'audio/wav' }, body: good } : rng.pick(bad)));
  const deadline = Date.now() + seconds * 1000;
  const results: (Outcome & { good: boolean })[] = [];
  let nextIndex = 0;
  const started = Date.now();
  const worker = async () => {
    while (nextIndex < plan.length && Date.now() < deadline) {
      const p = plan[nextIndex++];
      const o = await post(port, p.headers, p.body, p.method);
      results.push({ ...o, good: p.name === 'good' });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const wallSec = (Date.now() - started) / 1000;
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.key] = (counts[r.key] ?? 0) + 1;
  const lat = (f: (r: (typeof results)[number]) => boolean) => {
    const xs = results.filter(f).map((r) => r.ms);
    return { n: xs.length, p50Ms: percentile(xs, 0.5), p99Ms: percentile(xs, 0.99) };
  };
  return { requests: results.length, wallSec: Math.round(wallSec * 10) / 10, all: lat(() => true), good: lat((r) => r.good), bad: lat((r) => !r.good), counts, serverErrors: results.filter((r) => /^5/.test(r.key) || r.key === 'timeout').length };
}

/** `count` concurrent junk uploads of `mib` MiB each (sent from one 1 MiB buffer, so the client stays small). */
async function junkUploads(child: Child, count: number, mib: number) {
  await child.ask('reset-peak');
  const before = await child.ask('stats');
  const junk = junkBody(1024 * 1024, 3);
  // A raw socket, like a client that streams a file: it keeps writing until the answer arrives (Node's http
  // client may report its own EPIPE before handing over an early answer, which would blur the measurement).
  const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\nContent-Length: ${mib * 1024 * 1024}\r\n\r\n`;
  const one = () =>
    new Promise<Outcome & { sentMiB: number }>((resolve) => {
      const started = performance.now();
      let sent = 0;
      let settled = false;
      let answer = Buffer.alloc(0);
      const socket = net.connect(child.port, '127.0.0.1');
      const finish = (key: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ key, ms: performance.now() - started, sentMiB: sent });
        socket.destroy();
      };
      const timer = setTimeout(() => finish('timeout'), REQUEST_TIMEOUT_MS * 2);
      socket.on('data', (d: Buffer) => {
        answer = Buffer.concat([answer, d]);
        const text = answer.toString('utf8');
        const end = text.indexOf('\r\n\r\n');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
        if (end < 0 || !(answer.length >= end + 4 + length)) return;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? '???';
        let code = 'ok';
        try {
          code = (JSON.parse(answer.subarray(end + 4, end + 4 + length).toString()) as { error?: { code: string } }).error?.code ?? 'ok';
        } catch {
          code = 'not-json';
        }
        finish(`${status}:${code}`);
      });
      socket.on('error', (err: Error & { code?: string }) => finish(`error:${err.code ?? err.message}`));
      socket.on('close', () => finish('closed without an answer'));
      socket.write(head);
      const pump = () => {
        while (!settled && sent < mib) {
          sent++;
          if (!socket.write(junk)) break;
        }
        if (!settled && sent < mib) socket.once('drain', pump);
      };
      pump();
    });
  const outcomes = await Promise.all(Array.from({ length: count }, one));
  await new Promise((r) => setTimeout(r, 500));
  const after = await child.ask('stats');
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.key] = (counts[o.key] ?? 0) + 1;
  const mb = (x: number) => Math.round(x);
  return {
    count,
    mib,
    rssMiBBefore: mb(before.rssMiB),
    peakRssMiB: mb(after.peakMiB),
    rssMiBAfter: mb(after.rssMiB),
    answerMs: { p50: percentile(outcomes.map((o) => o.ms), 0.5), max: percentile(outcomes.map((o) => o.ms), 1) },
    sentMiBPerUpload: { min: Math.min(...outcomes.map((o) => o.sentMiB)), max: Math.max(...outcomes.map((o) => o.sentMiB)) },
    counts,
  };
}

async function benchMain(): Promise<void> {
  const requests = arg('requests', 800);
  const seconds = arg('seconds', 90);
  const junkCount = arg('junk-count', 8);
  const junkMib = arg('junk-mib', 200);

  const guarded = await startServer(false);
  let mixed;
  let junk;
  try {
    await post(guarded.port, { 'content-type': 'audio/wav' }, Buffer.from(encodeWav16(pluckAt(22050, 2), 22050))); // warm-up
    mixed = await mixedLoad(guarded.port, requests, seconds);
    junk = await junkUploads(guarded, junkCount, junkMib);
    // The server still answers a good request after all that.
    const last = await post(guarded.port, { 'content-type': 'audio/wav' }, Buffer.from(encodeWav16(pluckAt(22050, 2), 22050)));
    if (!last.key.startsWith('200') && !last.key.startsWith('422')) throw new Error(`server unhealthy after the bench: ${last.key}`);
  } finally {
    guarded.stop();
  }
  // The old path for comparison (--skip-old leaves it out: it holds count x size in memory for a while).
  let oldPath = null;
  if (!process.argv.includes('--skip-old')) {
    const unguarded = await startServer(true);
    try {
      oldPath = await junkUploads(unguarded, junkCount, junkMib);
    } finally {
      unguarded.stop();
    }
  }

  console.log(`mixed load, concurrency 8: ${mixed.requests} requests in ${mixed.wallSec} s (${mixed.serverErrors} 5xx/timeouts)`);
  console.log('requests | n | p50 ms | p99 ms');
  for (const [name, l] of [['all', mixed.all], ['good', mixed.good], ['bad', mixed.bad]] as const) console.log(`${name.padEnd(8)} | ${l.n} | ${l.p50Ms} | ${l.p99Ms}`);
  console.log('status:code | count');
  for (const [k, v] of Object.entries(mixed.counts).sort()) console.log(`${k} | ${v}`);
  for (const [name, j] of [['guarded (this branch)', junk], ['framework body-parser (old path)', oldPath]] as const) {
    if (!j) continue;
    console.log(
      `${j.count} x ${j.mib} MiB junk, ${name}: RSS ${j.rssMiBBefore} -> peak ${j.peakRssMiB} -> after ${j.rssMiBAfter} MiB; answers ${JSON.stringify(j.counts)} in p50 ${j.answerMs.p50} ms / max ${j.answerMs.max} ms; client sent ${j.sentMiBPerUpload.min}-${j.sentMiBPerUpload.max} MiB each`,
    );
  }
  console.log(JSON.stringify({ bench: 'bad-input', mixed, junk, junkOldPath: oldPath }));
}

(process.argv.includes('--server') ? serverMain() : benchMain()).catch((err) => {
  console.error(err);
  process.exit(1);
});
