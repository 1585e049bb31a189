/**
 * CoalescingClassifier (the served model in functions/model-cache.ts): calls made in one turn of the event loop
 * run as one network pass with the same probabilities as separate calls; a bad input fails only its own call.
 */
import * as path from 'node:path';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { CoalescingClassifier } from '../../functions/coalescing-classifier';
import { CLASSES, CLIP_SAMPLES } from '../../shared/constants';
import { loadClassifier, TfClipClassifier } from '../../shared/model/classifier';
import { Rng } from '../../shared/rng';

let base: TfClipClassifier;
let coalescing: CoalescingClassifier;
const rng = new Rng(3);
const clips = Array.from({ length: 8 }, () => Float32Array.from({ length: CLIP_SAMPLES }, () => 0.05 * rng.gaussian()));

beforeAll(async () => {
  await initTf();
  base = await loadClassifier(new LocalFolderStore(path.resolve(__dirname, '../../models/default')), '');
  coalescing = CoalescingClassifier.from(base);
});
afterAll(() => coalescing.dispose());

describe('CoalescingClassifier', () => {
  it('runs calls made together as one batch, with the probabilities of separate calls', async () => {
    const expected = await Promise.all(clips.map((c) => base.classifyClips([c])));
    const before = coalescing.batches;
    const got = await Promise.all([coalescing.classifyClips(clips.slice(0, 3)), ...clips.slice(3).map((c) => coalescing.classifyClips([c]))]);
    expect(coalescing.batches - before).toBe(1);
    const flat = got.flat();
    expect(flat).toHaveLength(8);
    flat.forEach((p, i) => CLASSES.forEach((c) => expect(Math.abs(p[c] - expected[i][0][c])).toBeLessThan(1e-5)));
  });

  it('runs a lone call at once and calls in later turns separately', async () => {
    const before = coalescing.batches;
    await coalescing.classifyClips([clips[0]]);
    await coalescing.classifyClips([clips[1]]);
    expect(coalescing.batches - before).toBe(2);
    expect(await coalescing.classifyClips([])).toEqual([]);
  });

  it('fails only the call with the bad input', async () => {
    const bad = coalescing.classifyClips([null as unknown as Float32Array]);
    const good = coalescing.classifyClips([clips[2]]);
    await expect(bad).rejects.toThrow();
    const [p] = await good;
    const [q] = await base.classifyClips([clips[2]]);
    CLASSES.forEach((c) => expect(Math.abs(p[c] - q[c])).toBeLessThan(1e-5));
  });
});
