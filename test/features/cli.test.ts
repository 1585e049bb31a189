/** `buzzfinder features` end to end, as a child process from the repo root. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WaveFile } from 'wavefile';
import { FEATURE_COEFFS, FEATURE_FRAMES, SAMPLE_RATE } from '../../shared/constants';
import { loadAudio } from '../../shared/audio/load';
import { comprehensiveMfcc } from '../../shared/features/comprehensive';
import { readReferenceJson, referencePath } from '../helpers/reference';

const REPO = path.resolve(__dirname, '../..');

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(...args: string[]): CliResult {
  // Exactly what `npx buzzfinder` runs: the package's bin script.
  const r = spawnSync(process.execPath, ['bin/buzzfinder.js', 'features', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface FeatureJson {
  file: string;
  sampleRate: number;
  sourceSampleRate: number;
  frames: number;
  padded?: boolean;
  comprehensive: number[][];
}

function maxAbs(a: number[][], b: ArrayLike<number>): number {
  let max = 0;
  for (let t = 0; t < a.length; t++) for (let c = 0; c < FEATURE_COEFFS; c++) max = Math.max(max, Math.abs(a[t][c] - b[t * FEATURE_COEFFS + c]));
  return max;
}

/** A decaying two-partial tone at `rate`, loud enough that 16-bit quantisation sits below the 80 dB floor. */
function tone(rate: number, seconds: number): Float64Array {
  const y = new Float64Array(Math.round(rate * seconds));
  for (let i = 0; i < y.length; i++) {
    const t = i / rate;
    y[i] = 0.6 * Math.exp(-2 * t) * (Math.sin(2 * Math.PI * 196 * t) + 0.4 * Math.sin(2 * Math.PI * 588 * t)) / 1.4;
  }
  return y;
}

function writeWav(file: string, options: { rate: number; bits: '16' | '24' | '32' | '32f'; channels: Float64Array[] }): void {
  const { rate, bits, channels } = options;
  const scale = bits === '32f' ? 1 : 2 ** (Number(bits) - 1) - 1;
  const data = channels.map((ch) => Array.from(ch, (v) => (bits === '32f' ? v : Math.round(v * scale))));
  const wav = new WaveFile();
  wav.fromScratch(channels.length, rate, bits, channels.length === 1 ? data[0] : data);
  fs.writeFileSync(file, wav.toBuffer());
}

describe('buzzfinder features', () => {
  let dir: string;
  const files: Record<string, string> = {};

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzfinder-features-'));
    const y = tone(SAMPLE_RATE, 2.5);
    const specs: [string, Parameters<typeof writeWav>[1]][] = [
      ['pcm16.wav', { rate: SAMPLE_RATE, bits: '16', channels: [y] }],
      ['pcm24.wav', { rate: SAMPLE_RATE, bits: '24', channels: [y] }],
      ['pcm32.wav', { rate: SAMPLE_RATE, bits: '32', channels: [y] }],
      ['float32.wav', { rate: SAMPLE_RATE, bits: '32f', channels: [y] }],
      ['stereo16.wav', { rate: SAMPLE_RATE, bits: '16', channels: [y, y] }],
      ['rate48k.wav', { rate: 48000, bits: '16', channels: [tone(48000, 2.5)] }],
      ['short1s.wav', { rate: SAMPLE_RATE, bits: '16', channels: [tone(SAMPLE_RATE, 1)] }],
    ];
    for (const [name, spec] of specs) {
      files[name] = path.join(dir, name);
      writeWav(files[name], spec);
    }
    fs.writeFileSync(path.join(dir, 'not-a.wav'), 'this is not audio, just text long enough to look like a header....');
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--json on a shared real clip matches librosa', () => {
    const clip = referencePath('real-clips', 'gu_clean4.wav');
    const r = runCli(clip, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as FeatureJson[];
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ file: clip, sampleRate: 22050, sourceSampleRate: 22050, frames: 87 });
    expect(out[0].padded).toBeUndefined();
    const ref = readReferenceJson<{ comprehensive: number[][] }>('librosa', 'real', 'gu_clean4.json');
    const flat = out[0].comprehensive.flat();
    expect(flat).toHaveLength(FEATURE_FRAMES * FEATURE_COEFFS);
    expect(maxAbs(ref.comprehensive, flat)).toBeLessThanOrEqual(1e-3);
  });

  it('--json over 16/24/32-bit, float, stereo, 48 kHz and short files: one object each, in order', () => {
    const names = Object.keys(files);
    const r = runCli('--json', ...names.map((n) => files[n]));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as FeatureJson[];
    expect(out.map((o) => o.file)).toEqual(names.map((n) => files[n]));
    const byName = Object.fromEntries(names.map((n, i) => [n, out[i]]));
    for (const name of names) {
      const o = byName[name];
      expect(o.sampleRate).toBe(22050);
      expect(o.frames).toBe(87);
      expect(o.comprehensive).toHaveLength(87);
      expect(o.comprehensive.every((row) => row.length === 39 && row.every(Number.isFinite))).toBe(true);
      // Exactly the library computation on the library's decoding of the same bytes.
      const expected = comprehensiveMfcc(loadAudio(new Uint8Array(fs.readFileSync(files[name]))).samples);
      expect(maxAbs(o.comprehensive, expected.values)).toBe(0);
    }
    expect(byName['rate48k.wav'].sourceSampleRate).toBe(48000);
    expect(byName['pcm16.wav'].sourceSampleRate).toBe(22050);
    expect(byName['short1s.wav'].padded).toBe(true);
    expect(byName['pcm16.wav'].padded).toBeUndefined();
    // Same signal, different encodings: identical channels average to the mono file; bit depths agree closely.
    expect(maxAbs(byName['stereo16.wav'].comprehensive, byName['pcm16.wav'].comprehensive.flat())).toBe(0);
    for (const name of ['pcm24.wav', 'pcm32.wav', 'float32.wav']) {
      expect(maxAbs(byName[name].comprehensive, byName['pcm16.wav'].comprehensive.flat())).toBeLessThan(0.5);
    }
  });

  it('without --json prints one readable line per file', () => {
    const r = runCli(files['pcm16.wav'], files['short1s.wav']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`${files['pcm16.wav']}: 2.50 s at 22050 Hz -> 87 x 39 features`);
    expect(lines[1]).toContain('zero-padded to 2 s');
  });

  it('a missing file fails the whole run: message names it, stdout stays empty, exit 1', () => {
    const missing = path.join(dir, 'nope.wav');
    const r = runCli('--json', files['pcm16.wav'], missing);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toContain('no such file');
  });

  it('a file that is not a WAV fails with the decoder error code and the file name', () => {
    const bad = path.join(dir, 'not-a.wav');
    const r = runCli(bad, '--json');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error \[not_wav\]/);
    expect(r.stderr).toContain(bad);
  });

  it('usage errors exit 2', () => {
    expect(runCli().status).toBe(2);
    const r = runCli('--jsn', files['pcm16.wav']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--jsn');
  });
});
