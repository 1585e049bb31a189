/**
 * Drift guard: the settings index.ts reads, the documented example stack config and docs/deploy.md
 * name the same `buzzfinder:` keys, and the example's values are valid settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SIZING, resolveSettings } from '../../infra/settings';

const infra = path.join(__dirname, '../../infra');
const read = (file: string) => fs.readFileSync(file, 'utf8');

const keysReadByProgram = [...read(path.join(infra, 'index.ts')).matchAll(/config\.get\w*(?:<[^(]*>)?\('(\w+)'\)/g)].map((m) => m[1]).sort();
const example = read(path.join(infra, 'Pulumi.example.yaml'));
const keysInExample = [...new Set([...example.matchAll(/^\s*#?\s*buzzfinder:(\w+):/gm)].map((m) => m[1]))].sort();

test('index.ts reads every setting of the example and nothing undocumented', () => {
  expect(keysReadByProgram.length).toBeGreaterThan(15);
  expect(keysInExample).toEqual(keysReadByProgram);
});

test('every setting in the example has a comment right above it', () => {
  const lines = example.split('\n');
  lines.forEach((line, i) => {
    if (/^\s*buzzfinder:\w+:/.test(line)) expect(lines[i - 1]).toMatch(/^\s*#/);
  });
});

test('docs/deploy.md mentions every setting', () => {
  const docs = read(path.join(__dirname, '../../docs/deploy.md'));
  for (const key of keysReadByProgram) expect(docs).toContain(key);
});

test('Pulumi.yaml runs index.ts with TypeScript, not package.json main', () => {
  const project = read(path.join(infra, 'Pulumi.yaml'));
  expect(project).toMatch(/^main: index\.ts$/m);
  expect(project).toMatch(/^\s+name: nodejs$/m);
  expect(project).toMatch(/^\s+typescript: true$/m);
});

test('the sizing blocks of the example equal the built-in defaults', () => {
  const block = (key: string) => {
    const match = new RegExp(`^  buzzfinder:${key}:\\n((?:    .*\\n)+)`, 'm').exec(example);
    if (!match) throw new Error(`no buzzfinder:${key} block`);
    const entries = match[1].split('\n').filter(Boolean).map((l) => {
      const [, k, v] = /^\s+(\w+): "?([^"#\s]+)"?/.exec(l)!;
      return [k, /^\d+$/.test(v) && k !== 'cpu' ? Number(v) : v];
    });
    return Object.fromEntries(entries);
  };
  for (const key of ['classify', 'splitTake', 'retrain'] as const) {
    expect(block(key)).toEqual(DEFAULT_SIZING[key]);
    expect(resolveSettings({ project: 'p', region: 'europe-west1', [key]: block(key) }).sizing[key]).toEqual(DEFAULT_SIZING[key]);
  }
});
