import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { SEED_PIPELINE } from '../../shared/features/pipeline';
import { buildSeedCnn, INPUT_SHAPE, SEED_CNN } from '../../shared/model/architecture';
import { loadModelArtifact } from '../../shared/model/artifact';
import { loadClassifier } from '../../shared/model/classifier';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION } from '../../shared/model/metadata';
import { ModelRegistry, QualityGate } from '../../shared/model/registry';
import { MemoryStore } from '../../shared/storage/memory';
import { ObjectStore, PreconditionFailedError, WriteOptions } from '../../shared/storage/types';

const baseMetadata = {
  format: MODEL_METADATA_FORMAT as typeof MODEL_METADATA_FORMAT,
  formatVersion: MODEL_METADATA_VERSION as typeof MODEL_METADATA_VERSION,
  created: '2026-01-01T00:00:00.000Z',
  classes: ['buzzy', 'clean', 'muted'],
  architecture: SEED_CNN,
  inputShape: [...INPUT_SHAPE],
  featurePipeline: SEED_PIPELINE,
  origin: 'trained' as const,
};

/** A gate whose score is the model's first bias value: lets tests choose who is better. */
function scoredModel(score: number, seed = 1): tf.LayersModel {
  const model = buildSeedCnn({ seed });
  const last = model.layers[model.layers.length - 1];
  const [k] = last.getWeights();
  const nb = tf.tensor1d([score, 0, 0]);
  last.setWeights([k, nb]);
  nb.dispose();
  return model;
}
const gate: QualityGate = {
  name: 'bias-gate',
  tolerance: 0.01,
  score: async (model) => {
    const w = model.layers[model.layers.length - 1].getWeights()[1];
    return w.dataSync()[0];
  },
};

/** Delays every write a little so that concurrent registrations really interleave. */
class SlowStore extends MemoryStore {
  override async write(key: string, data: Uint8Array | string, options?: WriteOptions) {
    await new Promise((r) => setTimeout(r, 2));
    return super.write(key, data, options);
  }
}

async function register(registry: ModelRegistry, score: number) {
  const model = scoredModel(score);
  try {
    return await registry.registerCandidate({ model, metadata: baseMetadata, gate });
  } finally {
    model.dispose();
  }
}

describe('ModelRegistry', () => {
  beforeAll(async () => {
    await initTf();
  });

  it('stores immutable versions and promotes the first, then better ones', async () => {
    const store = new MemoryStore();
    const registry = new ModelRegistry(store, 'buzz');
    expect(await registry.latest()).toBeNull();
    expect(await registry.list()).toEqual([]);
    const first = await register(registry, 0.5);
    expect(first).toMatchObject({ version: 'v0001', promoted: true, prefix: 'models/buzz/v0001' });
    const second = await register(registry, 0.7);
    expect(second.promoted).toBe(true);
    expect(second.promotion.currentVersion).toBe('v0001');
    expect((await registry.latest())!.pointer).toMatchObject({ version: 'v0002', previous: 'v0001', decision: 'promoted' });
    expect((await registry.metadata('v0002')).parentVersion).toBe('v0001');
    // Immutable: rewriting a version file is refused.
    await expect(store.write('models/buzz/v0001/weights.bin', 'x', { ifGenerationMatch: 0 })).rejects.toThrow(PreconditionFailedError);
    const loaded = await loadClassifier(store, (await registry.latest())!.pointer.prefix);
    expect(loaded.identity).toEqual({ name: 'buzz', version: 'v0002' });
    loaded.dispose();
  });

  it('keeps a worse candidate without promoting it, recording why', async () => {
    const registry = new ModelRegistry(new MemoryStore(), 'buzz');
    await register(registry, 0.8);
    const within = await register(registry, 0.795); // inside the tolerance: promoted
    expect(within.promoted).toBe(true);
    const worse = await register(registry, 0.5);
    expect(worse.promoted).toBe(false);
    expect(worse.promotion.reason).toMatch(/0\.5000 < 0\.7950 - 0\.01 .*kept, not promoted/);
    expect(await registry.list()).toEqual(['v0001', 'v0002', 'v0003']);
    expect((await registry.latest())!.pointer.version).toBe('v0002');
    expect(await registry.promotionRecord('v0003')).toMatchObject({ decision: 'rejected', candidateAccuracy: 0.5 });
  });

  it('rolls back and promotes by hand with compare-and-swap', async () => {
    const registry = new ModelRegistry(new MemoryStore(), 'buzz');
    await register(registry, 0.5);
    await register(registry, 0.9);
    const state = (await registry.latest())!;
    const back = await registry.rollback('v0001', { reason: 'v0002 misbehaves in production' });
    expect(back).toMatchObject({ version: 'v0001', decision: 'rollback', previous: 'v0002' });
    // A writer holding the old generation loses.
    await expect(registry.promote('v0002', { ifGeneration: state.generation })).rejects.toThrow(PreconditionFailedError);
    expect((await registry.latest())!.pointer.version).toBe('v0001');
    await expect(registry.rollback('v0042')).rejects.toMatchObject({ code: 'version_not_found' });
    await expect(registry.promote('latest')).rejects.toMatchObject({ code: 'version_not_found' });
  });

  it('gives concurrent registrations distinct versions and one consistent latest', async () => {
    const store = new SlowStore();
    const a = new ModelRegistry(store, 'buzz');
    const b = new ModelRegistry(store, 'buzz');
    await register(a, 0.1);
    const results = await Promise.all([register(a, 0.6), register(b, 0.7), register(a, 0.65)]);
    const versions = results.map((r) => r.version).sort();
    expect(versions).toEqual(['v0002', 'v0003', 'v0004']);
    const latest = (await a.latest())!.pointer;
    // Whatever the interleaving, the best candidate ends up promoted (each promotion is re-judged after a conflict).
    const best = results.find((r) => Math.abs((r.promotion.candidateAccuracy ?? 0) - 0.7) < 1e-6)!;
    expect(best.promoted).toBe(true);
    expect(['v0002', 'v0003', 'v0004']).toContain(latest.version);
    const { model } = await loadModelArtifact(store, latest.prefix);
    expect(await gate.score(model, undefined as never)).toBeGreaterThanOrEqual(0.69 - 0.01);
    model.dispose();
  });

  it('never exposes a half-written version: latest is written last', async () => {
    const store = new MemoryStore();
    const writes: string[] = [];
    const spy: ObjectStore = new Proxy(store, {
      get(target, prop) {
        if (prop === 'write') return (key: string, data: Uint8Array | string, o?: WriteOptions) => (writes.push(key), target.write(key, data, o));
        const v = (target as unknown as Record<string | symbol, unknown>)[prop];
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await register(new ModelRegistry(spy, 'buzz'), 0.5);
    const latestAt = writes.indexOf('models/buzz/latest.json');
    for (const f of ['model.json', 'weights.bin', 'metadata.json']) expect(writes.indexOf(`models/buzz/v0001/${f}`)).toBeLessThan(latestAt);
  });

  it('rejects invalid names', () => {
    expect(() => new ModelRegistry(new MemoryStore(), '../evil')).toThrow(TypeError);
  });
});

describe('accuracyGate', () => {
  it('scores a model by accuracy on fixed clips with the model pipeline', async () => {
    await initTf();
    const { accuracyGate } = await import('../../shared/model/fit');
    const clips = (['buzzy', 'clean', 'muted'] as const).map((label, i) => ({
      file: `${label}.wav`,
      label,
      source: 'synth' as const,
      group: 'g',
      split: 'test' as const,
      samples: new Float32Array(44100).map((_, t) => Math.sin((2 * Math.PI * (110 * (i + 1)) * t) / 22050) * Math.exp(-t / (3000 * (i + 1)))),
    }));
    const g = accuracyGate({ name: 'gate', clips });
    const model = buildSeedCnn({ seed: 2 });
    const score = await g.score(model, { ...baseMetadata, name: 'x', version: 'v0001', parentVersion: null });
    expect([0, 1 / 3, 2 / 3, 1]).toContainEqual(expect.closeTo(score, 6));
    model.dispose();
    expect(() => accuracyGate({ name: 'empty', clips: [] })).toThrow(TypeError);
  });
});
