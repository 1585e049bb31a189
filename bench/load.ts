/**
 * Load benchmark of the classify endpoint on loopback: p50/p99 latency and throughput at concurrency 1, 8
 * and 32 (autocannon, a 2 s WAV per request), then RSS and the tfjs tensor count after N requests (default
 * 10,000). The server runs in a child process (this file with --server), as the local stack runs it: the
 * functions framework's server on 127.0.0.1, the model from models/default (or a freshly initialised seed
 * CNN when that folder is empty — same architecture, same cost).
 * Run: npx tsx bench/load.ts [--duration S] [--requests N]. Prints a table, then one JSON line.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as functions from '@google-cloud/functions-framework';
import * as tf from '../shared/tf';
import { REPO_ROOT } from '../adapters/config';
import { LocalFolderStore } from '../adapters/storage/local';
import { initTf } from '../adapters/tf-backend';
import { createClassifyHandler } from '../functions/classify';
import { setLogSink } from '../functions/logger';
import { ModelCache } from '../functions/model-cache';
import { guardedFrameworkServer } from '../functions/request-body';
import { encodeWav16 } from '../shared/audio/encode';
import { CLASSES } from '../shared/constants';
import { SEED_PIPELINE } from '../shared/features/pipeline';
import { buildSeedCnn, INPUT_SHAPE, SEED_CNN } from '../shared/model/architecture';
import { saveModelArtifact } from '../shared/model/artifact';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function serverMain(): Promise<void> {
  await initTf();
  setLogSink(() => undefined); // one log line per request would dominate the measurement's output
  let modelDir = path.join(REPO_ROOT, 'models', 'default');
  let modelSource = 'models/default';
  let scratch: string | undefined;
  if (!existsSync(path.join(modelDir, 'metadata.json'))) {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'bf-bench-model-'));
    const model = buildSeedCnn({ seed: 1 });
    await saveModelArtifact(new LocalFolderStore(scratch), '', model, {
      format: 'buzzfinder-model',
      formatVersion: 1,
      name: 'buzzfinder',
      version: 'bench-untrained',
      created: new Date().toISOString(),
      classes: [...CLASSES],
      architecture: SEED_CNN,
      inputShape: [...INPUT_SHAPE],
      featurePipeline: SEED_PIPELINE,
      origin: 'trained',
      parentVersion: null,
    });
    model.dispose();
    modelDir = scratch;
    modelSource = 'seed CNN, untrained (models/default is empty)';
  }
  const models = new ModelCache({ resolveLatest: async () => null, fallback: { store: new LocalFolderStore(modelDir), prefix: '' }, refreshSec: 3600 });
  await models.identity();
  functions.http('classifyBench', createClassifyHandler({ models, maxUploadBytes: 50_000_000 }));
  const server = guardedFrameworkServer('classifyBench');
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.stdout.write(JSON.stringify({ port: address.port, model: modelSource, backend: tf.getBackend() }) + '\n');
  });
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'stats') {
      if (global.gc) global.gc();
      process.stdout.write(JSON.stringify({ rssMiB: process.memoryUsage().rss / 2 ** 20, numTensors: tf.memory().numTensors }) + '\n');
    }
  });
  process.stdin.on('end', () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.exit(0);
  });
}

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  duration: number;
}

async function benchMain(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<CannonResult>;
  const duration = arg('duration', 10);
  const total = arg('requests', 10_000);
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', '--require', require.resolve('tsx/cjs'), __filename, '--server'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const next = () => new Promise<Record<string, unknown>>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  const ready = await next();
  const url = `http://127.0.0.1:${ready.port}/`;
  const samples = new Float32Array(44100).map((_, i) => 0.4 * Math.exp(-3 * (i / 22050)) * Math.sin((2 * Math.PI * 196 * i) / 22050));
  const body = Buffer.from(encodeWav16(samples, 22050));
  const request = { url, method: 'POST', headers: { 'content-type': 'audio/wav' }, body };

  await autocannon({ ...request, connections: 1, amount: 20 }); // warm-up
  const rows: { concurrency: number; p50: number; p99: number; rps: number; requests: number; errors: number }[] = [];
  for (const connections of [1, 8, 32]) {
    const r = await autocannon({ ...request, connections, duration, timeout: 30 });
    rows.push({ concurrency: connections, p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, requests: r.requests.total, errors: r.errors + r.non2xx });
  }
  child.stdin!.write('stats\n');
  const before = await next();
  const started = Date.now();
  const soak = await autocannon({ ...request, connections: 8, amount: total, timeout: 60 });
  const soakSec = (Date.now() - started) / 1000;
  child.stdin!.write('stats\n');
  const after = await next();
  child.stdin!.end();

  console.log(`classify load (model: ${ready.model}, backend ${ready.backend}, 2 s 22.05 kHz WAV per request, ${duration} s per row)`);
  console.log('concurrency | p50 ms | p99 ms | req/s | requests | errors');
  for (const r of rows) console.log(`${String(r.concurrency).padStart(11)} | ${String(r.p50).padStart(6)} | ${String(r.p99).padStart(6)} | ${r.rps.toFixed(1).padStart(5)} | ${String(r.requests).padStart(8)} | ${r.errors}`);
  console.log(
    `after ${soak.requests.total} more requests (c=8, ${soakSec.toFixed(0)} s, ${soak.errors + soak.non2xx} errors): RSS ${Number(before.rssMiB).toFixed(0)} -> ${Number(after.rssMiB).toFixed(0)} MiB, tensors ${before.numTensors} -> ${after.numTensors}`,
  );
  console.log(
    JSON.stringify({
      bench: 'load',
      model: ready.model,
      backend: ready.backend,
      concurrency: Object.fromEntries(rows.map((r) => [r.concurrency, { p50Ms: r.p50, p99Ms: r.p99, rps: Math.round(r.rps * 10) / 10, errors: r.errors }])),
      soak: { requests: soak.requests.total, errors: soak.errors + soak.non2xx, seconds: Math.round(soakSec), rssMiBBefore: Math.round(Number(before.rssMiB)), rssMiBAfter: Math.round(Number(after.rssMiB)), tensorsBefore: before.numTensors, tensorsAfter: after.numTensors },
    }),
  );
}

(process.argv.includes('--server') ? serverMain() : benchMain()).catch((err) => {
  console.error(err);
  process.exit(1);
});
