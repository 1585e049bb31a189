/**
 * Commands that do not classify never load tfjs (cold start): `--help`, `features`, `synth-take`, and the
 * `report` command's own thread (its workers load the model).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const CLIP = path.join(REPO, '..', 'shared', 'reference', 'real-clips', 'gu_clean4.wav');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-lazy-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI; returns the module files its main thread loaded. */
function loadedModules(args: string[]): { status: number | null; stderr: string; modules: string[] } {
  const log = path.join(dir, 'modules.txt');
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, 'fixtures', 'loaded-modules.js'), path.join(REPO, 'bin', 'buzzfinder.js'), ...args], {
    cwd: REPO,
    env: { ...process.env, BUZZFINDER_TEST_MODULE_LOG: log },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stderr: r.stderr, modules: fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const tfjs = (modules: string[]) => modules.filter((m) => m.includes(`${path.sep}@tensorflow${path.sep}`));

describe('lazy loading', () => {
  it('--help lists every command without loading any of them', () => {
    const r = loadedModules(['--help']);
    expect(r.status).toBe(0);
    expect(tfjs(r.modules)).toEqual([]);
    expect(r.modules.filter((m) => /[\\/]cli[\\/]commands[\\/]/.test(m))).toEqual([]);
  });

  it('features and synth-take never load tfjs', () => {
    const features = loadedModules(['features', CLIP, '--json']);
    expect(features.status).toBe(0);
    expect(tfjs(features.modules)).toEqual([]);
    const take = loadedModules(['synth-take', '--out', path.join(dir, 't.wav'), '--truth', path.join(dir, 't.json'), '--seconds', '3']);
    expect(take.status).toBe(0);
    expect(tfjs(take.modules)).toEqual([]);
  });

  it('report loads tfjs only in its classifier workers, not in its own thread', () => {
    const r = loadedModules(['report', path.join(dir, 't.wav'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(tfjs(r.modules)).toEqual([]);
  });

  it('classify does load it (the control: the check can see tfjs)', () => {
    const r = loadedModules(['classify', CLIP, '--json']);
    expect(r.status).toBe(0);
    expect(tfjs(r.modules).length).toBeGreaterThan(0);
  });
});
