/**
 * `npm run bench [area...]`: runs each benchmark script (bench/<area>.ts) in its own process, one after another
 * so they do not compete for the 2 cores, and collects the JSON line each prints last into bench-results.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const BENCH_DIR = __dirname;
const ALL = ['audio', 'features', 'dataset', 'model', 'report', 'take-labels', 'noise-floor', 'onset-position', 'load', 'speed', 'bad-input'];

function lastJsonLine(output: string): unknown {
  const lines = output.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (t.startsWith('{') && t.endsWith('}')) {
      try {
        return JSON.parse(t);
      } catch {
        // keep looking: a table row may start with '{' by accident
      }
    }
  }
  return null;
}

function main(): number {
  const requested = process.argv.slice(2);
  const areas = requested.length > 0 ? requested : ALL;
  const results: Record<string, unknown> = {};
  let failed = 0;
  for (const area of areas) {
    const script = path.join(BENCH_DIR, `${area}.ts`);
    if (!fs.existsSync(script)) {
      process.stderr.write(`bench: no benchmark named '${area}' (expected ${script})\n`);
      failed++;
      continue;
    }
    process.stdout.write(`\n=== bench ${area} ===\n`);
    const started = Date.now();
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(run.stdout ?? '');
    if (run.status !== 0) {
      process.stderr.write(`bench ${area}: exited with ${run.status}\n`);
      failed++;
      continue;
    }
    results[area] = { wallSec: (Date.now() - started) / 1000, ...(lastJsonLine(run.stdout ?? '') as object) };
  }
  const out = path.resolve(BENCH_DIR, '..', 'bench-results.json');
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
  process.stdout.write(`\nbench: results written to ${out}\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
