/**
 * The personalisation core on its own: shot checks, augmentation counts, the head/body split of any model with a
 * Flatten or global pooling (not only the seed CNN), L2-SP pulling toward the base, and determinism with a seed.
 */
import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { CLASSES, FEATURE_COEFFS, FEATURE_FRAMES, ToneClass } from '../../shared/constants';
import { buildSeedCnn, INPUT_SHAPE, restoreWeights, SEED_CNN, snapshotWeights } from '../../shared/model/architecture';
import { STANDARDIZED_PIPELINE } from '../../shared/features/pipeline';
import { assertModelMetadata } from '../../shared/model/metadata';
import { exampleShape, fineTune, predictModel, splitHead } from '../../shared/model/personalize';
import { assertEnoughShots, augmentShots, DEFAULT_PERSONALIZE_CONFIG, PersonalizeError } from '../../shared/model/personalize-data';
import { Rng } from '../../shared/rng';
import { syntheticFeatureSet } from './fixtures';

beforeAll(async () => {
  await initTf();
});

/** A functional model unlike the seed CNN: residual Add, global average pooling, a two-layer head. */
function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [FEATURE_FRAMES, FEATURE_COEFFS, 1] });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(2) }).apply(a) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ axis: 3 }).apply(sum) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(bn) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: init(3) }).apply(pooled) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) }).apply(hidden) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const tiny = { steps: 6, batchSize: 8, learningRate: 1e-2 };

describe('shots', () => {
  const shot = (label: ToneClass) => ({ samples: new Float32Array(10), label });

  it('needs every class, at least minPerClass times', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof PersonalizeError ? err.code : String(err);
      }
      return 'ok';
    };
    expect(codeOf(() => assertEnoughShots([shot('buzzy'), shot('clean')], 1))).toBe('missing_class');
    expect(codeOf(() => assertEnoughShots([shot('buzzy'), shot('clean'), shot('muted')], 2))).toBe('too_few_shots');
    expect(assertEnoughShots([shot('buzzy'), shot('clean'), shot('muted'), shot('muted')], 1)).toEqual({ buzzy: 1, clean: 1, muted: 2 });
  });

  it('augments to perClass examples per class, keeping every shot once as recorded, deterministically', () => {
    const rng = new Rng(3);
    const note = () => Float32Array.from({ length: 44100 }, (_, i) => (i > 2205 ? Math.exp(-i / 8000) * Math.sin(i / 7) : 0) + 1e-4 * rng.gaussian());
    const shots = [...CLASSES.map((label) => ({ samples: note(), label })), { samples: note(), label: 'muted' as const }];
    const a = augmentShots(shots, { seed: 9, perClass: 5 });
    expect(a.map((s) => s.label)).toEqual(CLASSES.flatMap((c) => Array(5).fill(c)));
    for (const s of shots) expect(a.filter((x) => x.samples === s.samples)).toHaveLength(1);
    const b = augmentShots(shots, { seed: 9, perClass: 5 });
    a.forEach((x, i) => expect(Buffer.from(x.samples.buffer).equals(Buffer.from(b[i].samples.buffer))).toBe(true));
    const c = augmentShots(shots, { seed: 10, perClass: 5 });
    expect(a.some((x, i) => !Buffer.from(x.samples.buffer).equals(Buffer.from(c[i].samples.buffer)))).toBe(true);
  });
});

describe('fineTune', () => {
  const data = syntheticFeatureSet(24, 5);

  it('splits the seed CNN and a residual functional model at their last Flatten / global pooling', () => {
    const seedCnn = buildSeedCnn({ seed: 2 });
    expect(splitHead(seedCnn)!.head.map((l) => l.getClassName())).toEqual(['Dense', 'Dropout', 'Dense']);
    const residual = residualModel();
    const split = splitHead(residual)!;
    expect(split.head.map((l) => l.getClassName())).toEqual(['Dense', 'Dense']);
    // The body's outputs through the head are the model's outputs.
    const x = data.x.subarray(0, 2 * FEATURE_FRAMES * FEATURE_COEFFS);
    const viaSplit = tf.tidy(() => split.head.reduce((h, l) => l.apply(h) as tf.Tensor, split.body.predict(tf.tensor(x, [2, ...exampleShape(residual)])) as tf.Tensor).dataSync());
    const direct = predictModel(residual, x, 2, exampleShape(residual));
    Array.from(direct).forEach((v, i) => expect(viaSplit[i]).toBeCloseTo(v, 5));
    // Without a flat boundary there is no head to tune alone.
    const input = tf.input({ shape: [4] });
    expect(splitHead(tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(input) as tf.SymbolicTensor }))).toBeNull();
    seedCnn.dispose();
    residual.dispose();
  });

  it("tunes only the head with 'head', every trainable layer with 'all', leaving BatchNorm statistics alone", async () => {
    for (const trainLayers of ['head', 'all'] as const) {
      const model = residualModel();
      const before = snapshotWeights(model);
      const names = model.weights.map((w) => w.originalName);
      const r = await fineTune({ model, x: data.x, y: data.y, config: { ...tiny, trainLayers, l2sp: 0 }, seed: 1 });
      expect(r.stepsRun).toBe(6);
      const after = snapshotWeights(model);
      const changed = names.filter((_, i) => before[i].some((v, k) => v !== after[i][k]));
      const head = names.filter((n) => n.startsWith('dense'));
      if (trainLayers === 'head') expect(changed).toEqual(head);
      else expect(changed).toEqual(names.filter((n) => !/moving_(mean|variance)/.test(n)));
      model.dispose();
    }
  });

  it('stays closer to the base weights with a larger L2-SP weight, and is deterministic in its seed', async () => {
    const model = buildSeedCnn({ seed: 3 });
    const base = snapshotWeights(model);
    const run = async (l2sp: number, seed: number) => {
      restoreWeights(model, base);
      await fineTune({ model, x: data.x, y: data.y, config: { ...tiny, trainLayers: 'head', l2sp }, seed });
      return snapshotWeights(model);
    };
    const distance = (w: Float32Array[]) => w.reduce((s, t, i) => s + t.reduce((a, v, k) => a + (v - base[i][k]) ** 2, 0), 0);
    const free = await run(0, 1);
    const pulled = await run(50, 1);
    expect(distance(pulled)).toBeLessThan(0.5 * distance(free));
    const again = await run(0, 1);
    again.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(free[i].buffer))).toBe(true));
    const other = await run(0, 2);
    expect(other.some((w, i) => !Buffer.from(w.buffer).equals(Buffer.from(free[i].buffer)))).toBe(true);
    model.dispose();
  });

  it('stops at the time budget, keeping the steps it ran', async () => {
    const model = buildSeedCnn({ seed: 4 });
    let t = 0;
    const r = await fineTune({ model, x: data.x, y: data.y, config: { ...DEFAULT_PERSONALIZE_CONFIG, ...tiny, steps: 50 }, seed: 1, timeBudgetMs: 3, now: () => t++ });
    expect(r.stoppedByBudget).toBe(true);
    expect(r.stepsRun).toBeGreaterThan(0);
    expect(r.stepsRun).toBeLessThan(50);
    model.dispose();
  });
});

describe('metadata of a personalised model', () => {
  const valid = {
    format: 'buzzfinder-model',
    formatVersion: 1,
    name: 'buzzfinder',
    version: 'personal-1',
    created: '2026-12-02T00:00:00.000Z',
    classes: [...CLASSES],
    architecture: SEED_CNN,
    inputShape: [...INPUT_SHAPE],
    featurePipeline: STANDARDIZED_PIPELINE,
    origin: 'personalized',
    parentVersion: 'buzzfinder@default-6',
    personalization: { shots: [{ file: 'clean/a.wav', class: 'clean', sha256: 'a'.repeat(64) }], replay: { source: 'synth' }, config: {}, seed: 1 },
  };

  it('is accepted with parent and shots, refused without them or with an unknown origin', () => {
    expect(assertModelMetadata(structuredClone(valid)).origin).toBe('personalized');
    const broken: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['no parent', (m) => (m.parentVersion = null), /parentVersion/],
      ['no record', (m) => delete m.personalization, /personalization record/],
      ['no shots', (m) => ((m.personalization as { shots: unknown[] }).shots = []), /shots/],
      ['bad class', (m) => ((m.personalization as { shots: { class: string }[] }).shots[0].class = 'fuzzy'), /shots\[0\]/],
      ['bad hash', (m) => ((m.personalization as { shots: { sha256: string }[] }).shots[0].sha256 = 'xyz'), /sha256/],
      ['bad origin', (m) => (m.origin = 'downloaded'), /unknown model origin/],
    ];
    for (const [, mutate, message] of broken) {
      const m = structuredClone(valid) as Record<string, unknown>;
      mutate(m);
      expect(() => assertModelMetadata(m)).toThrow(message);
    }
  });
});
