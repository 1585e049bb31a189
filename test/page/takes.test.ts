/**
 * functions/takes.ts on memory stores: listing, labels (concurrent saves lose nothing), the labels CSV, the
 * dataset "train on my corrections" writes (read back with loadDataset, as the retrain job does) and its
 * queue message, uploads.
 */
import * as path from 'node:path';
import type { RetrainQueue } from '../../adapters/queue/types';
import { LocalFolderStore } from '../../adapters/storage/local';
import { correctionsKeyFor, exportLabelsCsv, listTakes, loadTake, saveLabel, takeState, TakesDeps, trainOnCorrections, uploadName, uploadTake } from '../../functions/takes';
import { parseRetrainMessage } from '../../functions/retrain';
import { encodeWav16 } from '../../shared/audio/encode';
import { loadAudio } from '../../shared/audio/load';
import { SAMPLE_RATE } from '../../shared/constants';
import { cutClipAt, parseLabelsCsv } from '../../shared/dataset/import';
import { loadDataset } from '../../shared/dataset/read';
import { loadModelMetadata } from '../../shared/model/artifact';
import { ModelRegistry } from '../../shared/model/registry';
import { validateCorrections } from '../../shared/report/corrections';
import { MemoryStore } from '../../shared/storage/memory';
import { readJson } from '../../shared/storage/types';
import { handMadeReport, storeTake } from './fixtures';

/** A take with a distinct tone per second, so a clip cut at the wrong place would differ. */
function takeWav(seconds: number): Uint8Array {
  const samples = new Float32Array(seconds * SAMPLE_RATE);
  for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * Math.sin((2 * Math.PI * (110 + 55 * Math.floor(i / SAMPLE_RATE)) * i) / SAMPLE_RATE);
  return encodeWav16(samples, SAMPLE_RATE);
}

const NOTES = [
  { onsetSec: 0.5, label: 'clean' as const, confidence: 0.9, midi: 45 },
  { onsetSec: 1.5, label: 'buzzy' as const, confidence: 0.6, midi: 47 },
  { onsetSec: 2.5, label: 'muted' as const, confidence: 0.8, midi: null },
  { onsetSec: 3.5, label: 'clean' as const, confidence: 0.5, midi: 52 },
  { onsetSec: 4.5, label: 'buzzy' as const, confidence: 0.95, midi: 57 },
];

function setup() {
  const published: { message: unknown; attributes?: Record<string, string> }[] = [];
  const queue: RetrainQueue = {
    location: 'test://queue',
    publish: async (message, attributes) => {
      published.push({ message, attributes });
      return `m${published.length}`;
    },
    close: async () => undefined,
  };
  const deps: TakesDeps = {
    uploads: new MemoryStore(),
    reports: new MemoryStore(),
    datasets: new MemoryStore(),
    models: new MemoryStore(),
    queue,
    uploadsPrefix: '',
    modelName: 'buzzfinder',
    maxUploadBytes: 1 << 20,
    defaultModel: { store: new LocalFolderStore(path.resolve(__dirname, '../../models/default')), prefix: '' },
  };
  return { deps, published };
}

describe('takes service', () => {
  it('lists reports and uploads still in progress', async () => {
    const { deps } = setup();
    const { id } = await storeTake(deps.uploads, deps.reports, 'a.wav', takeWav(6), handMadeReport('a.wav', 6, NOTES));
    const pending = await uploadTake(deps, 'b.wav', takeWav(1));
    const list = await listTakes(deps, (x) => `/v/${x}`);
    expect(list.map((t) => [t.id, t.state, t.viewUrl])).toEqual([
      [id, 'ready', `/v/${id}`],
      [pending.id, 'processing', null],
    ]);
    expect(list[0].counts).toEqual({ notes: 5, clean: 2, buzzy: 2, muted: 1 });
    expect(await takeState(deps, pending.id)).toEqual({ state: 'processing' });
    await expect(takeState(deps, 'b.wav.999')).rejects.toMatchObject({ code: 'take_not_found' });
    await expect(loadTake(deps, '../x.wav.1')).rejects.toMatchObject({ code: 'take_not_found' });
  });

  it('saves labels beside the report without touching it; concurrent saves all land', async () => {
    const { deps } = setup();
    const { id, generation } = await storeTake(deps.uploads, deps.reports, 'a.wav', takeWav(6), handMadeReport('a.wav', 6, NOTES));
    const reportBefore = await deps.reports.read(`reports/a.wav.${generation}.json`);
    await Promise.all([saveLabel(deps, id, 0, 'buzzy'), saveLabel(deps, id, 1, 'buzzy'), saveLabel(deps, id, 2, 'clean'), saveLabel(deps, id, 4, 'muted')]);
    const saved = validateCorrections(await readJson(deps.reports, correctionsKeyFor('a.wav', generation)));
    expect(saved.labels.map((l) => [l.index, l.label, l.was])).toEqual([
      [0, 'buzzy', 'clean'],
      [1, 'buzzy', 'buzzy'],
      [2, 'clean', 'muted'],
      [4, 'muted', 'buzzy'],
    ]);
    expect(await deps.reports.read(`reports/a.wav.${generation}.json`)).toEqual(reportBefore);
    expect((await loadTake(deps, id)).corrections).toEqual(saved);
    await expect(saveLabel(deps, id, 9, 'clean')).rejects.toMatchObject({ code: 'invalid_corrections' });
    expect(parseLabelsCsv((await exportLabelsCsv(deps, id)).text)).toEqual([
      { onsetSec: 0.5, label: 'buzzy', midi: 45 },
      { onsetSec: 1.5, label: 'buzzy', midi: 47 },
      { onsetSec: 2.5, label: 'clean' },
      { onsetSec: 4.5, label: 'muted', midi: 57 },
    ]);
  });

  it('turns the labels into a dataset the retrain job can load, and queues it (idempotently)', async () => {
    const { deps, published } = setup();
    const wav = takeWav(6);
    const { id } = await storeTake(deps.uploads, deps.reports, 'my take.wav', wav, handMadeReport('my take.wav', 6, NOTES));
    await saveLabel(deps, id, 0, 'clean');
    await expect(trainOnCorrections(deps, id)).rejects.toMatchObject({ code: 'too_few_labels' });
    expect(published).toHaveLength(0);
    await saveLabel(deps, id, 1, 'muted');
    await saveLabel(deps, id, 3, 'buzzy');
    const result = await trainOnCorrections(deps, id);
    // The empty registry got the bundled model as its first version: the job fine-tunes that, never trains from scratch.
    expect(result).toMatchObject({ clips: 3, from: 'v0001', messageId: 'm1' });
    const bundled = await loadModelMetadata(deps.defaultModel.store, '');
    const registry = new ModelRegistry(deps.models, 'buzzfinder');
    expect((await registry.latest())?.pointer.version).toBe('v0001');
    expect(await registry.metadata('v0001')).toMatchObject({ featurePipeline: bundled.featurePipeline, notes: { registeredAs: `the bundled model ${bundled.name} ${bundled.version}, base for training on a take's corrections` } });
    expect(result.dataset).toMatch(/^corrections\/my-take-\d+\/[0-9a-f]{12}$/);
    expect(published[0].message).toEqual(parseRetrainMessage({ dataset: result.dataset, jobId: result.jobId, from: 'v0001' }));
    expect(published[0].attributes).toEqual({ jobId: result.jobId });

    const { manifest, clips } = await loadDataset(deps.datasets, result.dataset);
    expect(manifest.clips.map((c) => [c.file, c.label, c.source])).toEqual([
      ['buzzy/note-0003.wav', 'buzzy', 'recorded'],
      ['clean/note-0000.wav', 'clean', 'recorded'],
      ['muted/note-0001.wav', 'muted', 'recorded'],
    ]);
    // The job trains on 'train' and validates on 'validation' (or 'test'): both must be there.
    const splits = new Set(manifest.clips.map((c) => c.split));
    expect(splits.has('train')).toBe(true);
    expect(splits.has('validation')).toBe(true);
    const take = loadAudio(wav).samples;
    const byFile = new Map(clips.map((c) => [c.file, c.samples]));
    const expected = cutClipAt(take, 3.5);
    const got = byFile.get('buzzy/note-0003.wav')!;
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - got[i]));
    expect(maxDiff).toBeLessThan(1 / 16384); // 16-bit WAV quantisation

    const again = await trainOnCorrections(deps, id);
    expect([again.dataset, again.jobId]).toEqual([result.dataset, result.jobId]);
    await saveLabel(deps, id, 4, 'clean');
    const changed = await trainOnCorrections(deps, id);
    expect(changed.dataset).not.toBe(result.dataset);
    expect(changed.clips).toBe(4);
    expect(changed.from).toBe('v0001');
    expect(await registry.list()).toEqual(['v0001']);
  });

  it('stores uploads under a safe name, refusing non-WAVs and oversize bodies', async () => {
    const { deps } = setup();
    expect(uploadName('C:\\Users\\me\\take 1.wav')).toBe('take 1.wav');
    expect(uploadName('../../etc/x.WAV')).toBe('x.WAV');
    expect(uploadName('a<b>"c".wav')).toBe('a_b_c_.wav');
    expect(() => uploadName('notes.txt')).toThrow(expect.objectContaining({ code: 'bad_name' }));
    expect(() => uploadName('.wav')).toThrow(expect.objectContaining({ code: 'bad_name' }));
    await expect(uploadTake(deps, 'x.wav', new TextEncoder().encode('hello, not a wav'))).rejects.toMatchObject({ code: 'not_wav' });
    await expect(uploadTake(deps, 'x.wav', new Uint8Array((1 << 20) + 1))).rejects.toMatchObject({ code: 'too_large' });
    expect(await deps.uploads.list('')).toEqual([]);
    const ok = await uploadTake({ ...deps, uploadsPrefix: 'takes/' }, '../x.wav', takeWav(1));
    expect(ok.name).toBe('takes/x.wav');
    expect(ok.id).toBe(`takes/x.wav.${ok.generation}`);
  });
});
