import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeWav16 } from '../../shared/audio/encode';
import { CLIP_SAMPLES, PRE_ONSET_SECONDS, SAMPLE_RATE } from '../../shared/constants';
import { cutClipAt, energyRiseOnset, parseLabelsCsv } from '../../shared/dataset/import';
import { Manifest } from '../../shared/dataset/types';
import { Rng } from '../../shared/rng';
import { sampleNoteParams, synthesizeNote } from '../../shared/synth/note';
import { synthesizeTake } from '../../shared/synth/take';
import { runCli } from './cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzfinder-import-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ONSET = Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE);

describe('parseLabelsCsv', () => {
  it('reads onset_sec,label[,midi] with a header, comments and CRLF, sorted by onset', () => {
    expect(parseLabelsCsv('onset_sec,label,midi\r\n2.5,Muted\r\n# note\n0.75,clean,64\n\n')).toEqual([
      { onsetSec: 0.75, label: 'clean', midi: 64 },
      { onsetSec: 2.5, label: 'muted' },
    ]);
  });

  it('rejects bad rows with the line number', () => {
    expect(() => parseLabelsCsv('1.0,loud')).toThrow(/line 1.*label/);
    expect(() => parseLabelsCsv('x,clean\n-1,clean')).toThrow(/line 2.*onset/);
    expect(() => parseLabelsCsv('1,clean,200')).toThrow(/midi/);
    expect(() => parseLabelsCsv('onset_sec,label\n')).toThrow(/no rows/);
    expect(() => parseLabelsCsv('1,clean,60,extra')).toThrow(/expected/);
  });
});

describe('clip cutting', () => {
  it('cutClipAt puts the onset at 0.1 s and zero-pads outside the take', () => {
    const x = Float32Array.from({ length: 3 * SAMPLE_RATE }, (_, i) => i);
    const c = cutClipAt(x, 1);
    expect(c).toHaveLength(CLIP_SAMPLES);
    expect(c[ONSET]).toBe(SAMPLE_RATE);
    const early = cutClipAt(x, 0.05);
    expect(early[0]).toBe(0);
    expect(early[ONSET]).toBe(Math.round(0.05 * SAMPLE_RATE));
  });

  it('energyRiseOnset finds a synthesised onset within 5 ms, and null for silence', () => {
    for (const seed of [1, 2, 3, 4]) {
      const note = synthesizeNote({ ...sampleNoteParams({ label: 'clean', rng: new Rng(seed) }), onsetSec: 0.37 });
      expect(Math.abs(energyRiseOnset(note)! - 0.37)).toBeLessThan(0.005);
    }
    expect(energyRiseOnset(new Float32Array(1000))).toBeNull();
  });
});

describe('buzzfinder dataset import', () => {
  it('imports a long take with a labels CSV: one clip per row, onset at 0.1 s, one group', () => {
    const take = synthesizeTake({ seconds: 8, seed: 21, condition: 'silence-edges' });
    const wav = path.join(tmp, 'my-take.wav');
    fs.writeFileSync(wav, encodeWav16(take.samples, SAMPLE_RATE));
    const csv = path.join(tmp, 'labels.csv');
    fs.writeFileSync(csv, 'onset_sec,label,midi\n' + take.truth.notes.map((n) => `${n.onsetSec},${n.label},${n.midi}`).join('\n'));
    const out = path.join(tmp, 'from-take');
    const r = runCli(['dataset', 'import', wav, '--labels', csv, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.sources).toEqual(['recorded']);
    expect(m.clips).toHaveLength(take.truth.notes.length);
    const byOnset = [...m.clips].sort((a, b) => (a.params!.onsetSec as number) - (b.params!.onsetSec as number));
    byOnset.forEach((c, k) => {
      const n = take.truth.notes[k];
      expect(c).toMatchObject({ label: n.label, midi: n.midi, source: 'recorded', group: 'recorded-my-take', split: 'train' });
      const bytes = new Uint8Array(fs.readFileSync(path.join(out, c.file)));
      const samples = new Int16Array(bytes.buffer, bytes.byteOffset + 44, CLIP_SAMPLES);
      const at = Math.round(n.onsetSec * SAMPLE_RATE);
      // Sample i of the clip is sample (onset - 0.1 s + i) of the take.
      expect(samples[ONSET + 500]).toBe(Math.round(Math.max(-1, Math.min(1, take.samples[at + 500])) * 32767));
    });
  });

  it('imports a folder of class subfolders (short clips aligned, long files split at detected onsets) with group splits', () => {
    const dir = path.join(tmp, 'folder');
    for (const [sub, label, seeds] of [
      ['clean/guitar-a', 'clean', [1, 2]],
      ['clean/guitar-b', 'clean', [3]],
      ['muted/guitar-a', 'muted', [4, 5]],
      ['muted', 'muted', [6]],
    ] as const) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
      for (const seed of seeds) {
        // Clips of other lengths and rates, onset not at 0.1 s.
        const p = { ...sampleNoteParams({ label, rng: new Rng(seed) }), onsetSec: 0.3, durationSec: 1.5 };
        fs.writeFileSync(path.join(dir, sub, `n${seed}.wav`), encodeWav16(synthesizeNote(p, 44100), 44100));
      }
    }
    const take = synthesizeTake({ seconds: 6, seed: 5, condition: 'silence-edges' });
    fs.writeFileSync(path.join(dir, 'clean', 'long-take.wav'), encodeWav16(take.samples, SAMPLE_RATE));
    const out = path.join(tmp, 'from-folder');
    const r = runCli(['dataset', 'import', dir, '--out', out]);
    expect(r.status).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    const short = m.clips.filter((c) => c.params!.onsetFrom === 'energy-rise');
    expect(short).toHaveLength(6);
    for (const c of short) {
      expect(Math.abs((c.params!.onsetSec as number) - 0.3)).toBeLessThan(0.005);
      expect(c.params!.originalSampleRate).toBe(44100);
    }
    const long = m.clips.filter((c) => c.params!.onsetFrom === 'detectOnsets');
    expect(long.length).toBeGreaterThanOrEqual(take.truth.notes.length - 1);
    expect(new Set(long.map((c) => c.group))).toEqual(new Set(['recorded-clean/long-take']));
    expect(m.clips.filter((c) => c.group === 'recorded-guitar-a').map((c) => c.label).sort()).toEqual(['clean', 'clean', 'muted', 'muted']);
    const splitOf = new Map<string, string>();
    for (const c of m.clips) {
      if (splitOf.has(c.group)) expect(splitOf.get(c.group)).toBe(c.split);
      splitOf.set(c.group, c.split);
    }
  });

  it('imports a flat folder of WAVs with the class in their names (e.g. gu_buzzy4.wav), one group per file', () => {
    const dir = path.join(tmp, 'named');
    fs.mkdirSync(dir, { recursive: true });
    const names = ['gl_buzzy6.wav', 'gu_clean_short9.wav', 'x_muted2.wav'];
    names.forEach((name, i) => {
      const label = (['buzzy', 'clean', 'muted'] as const)[i];
      fs.writeFileSync(path.join(dir, name), encodeWav16(synthesizeNote(sampleNoteParams({ label, rng: new Rng(40 + i) })), SAMPLE_RATE));
    });
    const out = path.join(tmp, 'from-named');
    expect(runCli(['dataset', 'import', dir, '--out', out]).status).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.clips.map((c) => [c.params!.original, c.label, c.group])).toEqual([
      ['gl_buzzy6.wav', 'buzzy', 'recorded-gl_buzzy6'],
      ['gu_clean_short9.wav', 'clean', 'recorded-gu_clean_short9'],
      ['x_muted2.wav', 'muted', 'recorded-x_muted2'],
    ]);
    fs.copyFileSync(path.join(dir, names[0]), path.join(dir, 'untitled.wav'));
    const r = runCli(['dataset', 'import', dir, '--out', path.join(tmp, 'from-named-2')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error \[bad_input\]: untitled\.wav: its name must contain exactly one of buzzy, clean, muted/);
  });

  it('rejects a take without labels, labels with a folder, and a folder without clips', () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    expect(runCli(['dataset', 'import', empty, '--out', path.join(tmp, 'x')]).stderr).toMatch(/no_clips/);
    const wav = path.join(tmp, 'my-take.wav');
    expect(runCli(['dataset', 'import', wav, '--out', path.join(tmp, 'y')]).stderr).toMatch(/--labels/);
    expect(runCli(['dataset', 'import', empty, '--labels', 'x.csv', '--out', path.join(tmp, 'z')]).stderr).toMatch(/--labels/);
    fs.writeFileSync(path.join(tmp, 'bad.csv'), '99,clean\n');
    expect(runCli(['dataset', 'import', wav, '--labels', path.join(tmp, 'bad.csv'), '--out', path.join(tmp, 'w')]).stderr).toMatch(/beyond the end/);
  });
});
