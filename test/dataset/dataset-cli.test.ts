import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalFolderStore } from '../../adapters/storage/local';
import { loadAudio } from '../../shared/audio/load';
import { CLASSES, CLIP_SAMPLES, SAMPLE_RATE } from '../../shared/constants';
import { loadDataset } from '../../shared/dataset/read';
import { Manifest } from '../../shared/dataset/types';
import { MemoryStore } from '../../shared/storage/memory';
import { runCli } from './cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzfinder-dataset-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function readTree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const c of CLASSES) for (const f of fs.readdirSync(path.join(dir, c))) out[`${c}/${f}`] = fs.readFileSync(path.join(dir, c, f));
  return out;
}

function manifestOf(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

describe('buzzfinder dataset (synth + soundfont)', () => {
  const a = path.join(tmp, 'a');
  const b = path.join(tmp, 'b');
  let summary: { id: string; stats: { byClass: Record<string, number> } };

  beforeAll(() => {
    const args = ['--size', '60', '--seed', '11', '--sources', 'synth,soundfont', '--soundfont-share', '0.3'];
    const r = runCli(['dataset', '--out', a, ...args, '--workers', '2']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    summary = JSON.parse(r.stdout);
    const r2 = runCli(['dataset', '--out', b, ...args, '--workers', '1']);
    expect(r2.status).toBe(0);
  });

  it('writes the layout: class folders of 2 s mono 22050 Hz 16-bit WAVs and a manifest', () => {
    const m = manifestOf(a);
    expect(m).toMatchObject({ format: 'buzzfinder-dataset', version: 1, seed: 11, sources: ['soundfont', 'synth'] });
    expect(m.id).toBe(summary.id);
    expect(m.clips).toHaveLength(60);
    expect(summary.stats.byClass).toEqual({ buzzy: 20, clean: 20, muted: 20 });
    const sf = m.clips.filter((c) => c.source === 'soundfont');
    expect(sf.filter((c) => c.label === 'clean')).toHaveLength(6);
    expect(sf.filter((c) => c.label === 'muted')).toHaveLength(6);
    for (const c of m.clips) {
      expect(c.file.startsWith(`${c.label}/${c.source}-`)).toBe(true);
      expect(m.groups![c.group].split).toBe(c.split);
      if (c.source === 'synth') {
        expect(c.group).toMatch(/^synth-g\d{4}$/);
        expect(c.params).toMatchObject({ generator: 'waveguide', label: c.label, midi: c.midi });
      } else {
        expect(c.group).toMatch(/^soundfont-p2[4-8]/);
        expect(c.params).toMatchObject({ generator: 'fluidsynth' });
        // params.midi is the note played; c.midi the pitch heard after the planned resampling shift.
        expect(Math.round((c.params!.midi as number) + (c.params!.shiftSemitones as number))).toBe(c.midi);
        expect(c.augmentations![0].name).toBe('recording-level');
      }
      expect(Array.isArray(c.augmentations)).toBe(true);
      const bytes = fs.readFileSync(path.join(a, c.file));
      expect(bytes.readUInt16LE(22)).toBe(1); // mono
      expect(bytes.readUInt32LE(24)).toBe(SAMPLE_RATE);
      expect(bytes.readUInt16LE(34)).toBe(16);
      expect(bytes.readUInt32LE(40)).toBe(CLIP_SAMPLES * 2);
    }
    expect(m.clips.some((c) => (c.augmentations ?? []).length > 0)).toBe(true);
  });

  it('is deterministic: same seed -> byte-identical WAVs and manifest (but for its time), whatever the worker count', () => {
    expect(readTree(b)).toEqual(readTree(a));
    const ma = manifestOf(a), mb = manifestOf(b);
    expect({ ...mb, created: '' }).toEqual({ ...ma, created: '' });
  });

  it('loadDataset reads it back through an ObjectStore', async () => {
    const { manifest, clips } = await loadDataset(new LocalFolderStore(a), '');
    expect(manifest.id).toBe(summary.id);
    expect(clips).toHaveLength(60);
    const first = clips.find((c) => c.file === manifest.clips[0].file)!;
    expect(first.samples).toHaveLength(CLIP_SAMPLES);
    expect(first.samples).toEqual(loadAudio(new Uint8Array(fs.readFileSync(path.join(a, first.file)))).samples);
  });

  it('refuses to overwrite an existing dataset without --force, and rejects bad options', () => {
    const again = runCli(['dataset', '--out', a, '--size', '6', '--sources', 'synth']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/--force/);
    expect(runCli(['dataset', '--out', a, '--sources', 'soundfont']).stderr).toMatch(/synth/);
    const noSf = runCli(['dataset', '--out', path.join(tmp, 'c'), '--size', '6', '--soundfont', '/nonexistent.sf2']);
    expect(noSf.status).toBe(1);
    expect(noSf.stderr).toMatch(/soundfont_unavailable.*scripts\/install-soundfont\.sh/);
    expect(runCli(['dataset', '--out', a, '--size', 'many']).status).toBe(2);
    const badBefore = runCli(['dataset', '--out', path.join(tmp, 'd'), '--size', '6', '--sources', 'synth', '--context-before', 'chord']);
    expect(badBefore.status).toBe(2);
    expect(badBefore.stderr).toMatch(/--context-before must be one of note, run/);
    expect(fs.existsSync(path.join(tmp, 'd'))).toBe(false);
    expect(runCli(['dataset', '--size', '6']).stderr).toMatch(/--out/);
    const forced = runCli(['dataset', '--out', a, '--size', '6', '--sources', 'synth', '--force', '--no-augment']);
    expect(forced.status).toBe(0);
    expect(manifestOf(a).clips).toHaveLength(6);
    expect(manifestOf(a).clips.every((c) => c.augmentations!.length === 0)).toBe(true);
  });
});

describe('loadDataset', () => {
  it('derives a manifest from class subfolders when manifest.json is absent (groups from subfolders)', async () => {
    const store = new MemoryStore();
    const wav = (n: number) => {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = 0.1 * Math.sin(i / 10);
      return x;
    };
    const { encodeWav16 } = await import('../../shared/audio/encode');
    await store.write('user/clean/strat/a.wav', encodeWav16(wav(30000), SAMPLE_RATE));
    await store.write('user/muted/strat/b.wav', encodeWav16(wav(50000), SAMPLE_RATE));
    await store.write('user/buzzy/c.wav', encodeWav16(wav(44100), 44100));
    await store.write('user/notes.txt', 'ignored');
    await store.write('user/other/d.wav', encodeWav16(wav(100), SAMPLE_RATE));
    const { manifest, clips } = await loadDataset(store, 'user/');
    expect(manifest.sources).toEqual(['recorded']);
    expect(manifest.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(clips.map((c) => [c.file, c.label, c.group])).toEqual([
      ['buzzy/c.wav', 'buzzy', 'recorded-buzzy/c'],
      ['clean/strat/a.wav', 'clean', 'recorded-strat'],
      ['muted/strat/b.wav', 'muted', 'recorded-strat'],
    ]);
    for (const c of clips) expect(c.samples).toHaveLength(CLIP_SAMPLES);
    expect(clips[0].samples.length).toBe(CLIP_SAMPLES); // 44.1 kHz input resampled to 22050 and fitted
    expect((await loadDataset(store, 'user')).manifest.id).toBe(manifest.id);
  });

  it('reports a missing dataset, a bad manifest and a missing clip with stable codes', async () => {
    const store = new MemoryStore();
    await expect(loadDataset(store, 'none')).rejects.toMatchObject({ code: 'dataset_not_found' });
    await store.write('d/manifest.json', '{"format":"other"}');
    await expect(loadDataset(store, 'd')).rejects.toMatchObject({ code: 'bad_manifest' });
    await store.write('e/manifest.json', 'not json');
    await expect(loadDataset(store, 'e')).rejects.toMatchObject({ code: 'bad_manifest' });
    const m = { format: 'buzzfinder-dataset', version: 1, id: 'x', created: '', sources: ['synth'], clips: [{ file: 'clean/x.wav', label: 'clean', source: 'synth', group: 'g', split: 'train' }] };
    await store.write('f/manifest.json', JSON.stringify(m));
    await expect(loadDataset(store, 'f')).rejects.toMatchObject({ code: 'clip_missing' });
    await store.write('g/manifest.json', JSON.stringify({ ...m, clips: [{ ...m.clips[0], label: 'loud' }] }));
    await expect(loadDataset(store, 'g')).rejects.toMatchObject({ code: 'bad_manifest' });
  });
});
