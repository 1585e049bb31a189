import '@tensorflow/tfjs-backend-cpu'; // registers the 'cpu' backend these tests compare with
import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { conv2dBackpropFilter } from '../../shared/model/conv2d-backprop-filter';
import { Rng } from '../../shared/rng';

// This suite compares with the cpu backend on purpose; PROD mode only mutes tfjs's warnings, e.g. its
// 'install tfjs-node to speed things up' banner on the first cpu tensor.
tf.enableProdMode();

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function randomValues(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

/** d/dW of sum(conv2d(x, W) * weights) on a given backend, as plain numbers. */
async function filterGradient(
  backend: string,
  xs: { shape: [number, number, number, number]; values: Float32Array },
  ws: { shape: [number, number, number, number]; values: Float32Array },
  strides: [number, number],
  pad: Pad,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const grad = tf.tidy(() => {
    const x = tf.tensor4d(xs.values, xs.shape);
    const w = tf.tensor4d(ws.values, ws.shape);
    const probe = tf.conv2d(x, w, strides, pad);
    const mask = tf.tensor(randomValues(probe.size, new Rng(7)), probe.shape);
    return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, strides, pad), mask)))(w);
  });
  const out = { values: (await grad.data()) as Float32Array, shape: grad.shape };
  grad.dispose();
  return out;
}

const CASES: { name: string; x: [number, number, number, number]; w: [number, number, number, number]; strides: [number, number]; pad: Pad }[] = [
  { name: 'model conv1: 3x3 valid stride 1', x: [2, 12, 9, 1], w: [3, 3, 1, 4], strides: [1, 1], pad: 'valid' },
  { name: '3x3 same stride 1, 3 channels', x: [3, 7, 8, 3], w: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { name: '2x2 valid stride 1', x: [2, 6, 5, 4], w: [2, 2, 4, 3], strides: [1, 1], pad: 'valid' },
  { name: '3x3 same stride 2 (odd sizes)', x: [2, 9, 7, 2], w: [3, 3, 2, 3], strides: [2, 2], pad: 'same' },
  { name: '3x2 valid stride [2,3]', x: [1, 11, 10, 2], w: [3, 2, 2, 2], strides: [2, 3], pad: 'valid' },
  { name: 'explicit padding', x: [2, 6, 6, 2], w: [3, 3, 2, 2], strides: [1, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: 'numeric padding 1', x: [1, 5, 6, 1], w: [3, 3, 1, 2], strides: [1, 1], pad: 1 },
  { name: '1x1 kernel', x: [2, 4, 4, 3], w: [1, 1, 3, 2], strides: [1, 1], pad: 'valid' },
];

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    await initTf();
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('initTf selects wasm and registers the kernel', async () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    await expect(initTf()).resolves.toBe(await initTf());
  });

  it.each(CASES)('matches the cpu backend gradient: $name', async ({ x, w, strides, pad }) => {
    const rng = new Rng(x.reduce((a, b) => a * 31 + b, 1));
    const xs = { shape: x, values: randomValues(x.reduce((a, b) => a * b), rng) };
    const ws = { shape: w, values: randomValues(w.reduce((a, b) => a * b), rng) };
    const cpu = await filterGradient('cpu', xs, ws, strides, pad);
    const wasm = await filterGradient('wasm', xs, ws, strides, pad);
    expect(wasm.shape).toEqual(w);
    expect(cpu.shape).toEqual(w);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < cpu.values.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(cpu.values[i] - wasm.values[i]));
      maxAbs = Math.max(maxAbs, Math.abs(cpu.values[i]));
    }
    expect(maxAbs).toBeGreaterThan(0.1); // the gradient is not trivially zero
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 8, 8, 2], -1, 1, 'float32', 1) as tf.Tensor4D;
    const dy = tf.randomUniform([2, 4, 4, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const g = conv2dBackpropFilter({ x, dy, filterShape: [3, 3, 2, 3], strides: 2, pad: 'same' });
    expect(g.shape).toEqual([3, 3, 2, 3]);
    tf.dispose([x, dy, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched shapes', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 2]) as tf.Tensor4D;
    const dy = tf.zeros([1, 3, 3, 4]) as tf.Tensor4D;
    expect(() => conv2dBackpropFilter({ x, dy, filterShape: [3, 3, 3, 4], strides: 1, pad: 'valid' })).toThrow(TypeError);
    expect(() => conv2dBackpropFilter({ x, dy, filterShape: [2, 2, 2, 4], strides: 1, pad: 'valid' })).toThrow(/output/);
    tf.dispose([x, dy]);
  });
});

describe('FusedBatchNorm gradient (broadcasting replacement)', () => {
  it('equals the gradient of the same expression written with elementary ops', async () => {
    await initTf();
    const rng = new Rng(3);
    const x = tf.tensor4d(randomValues(2 * 5 * 4 * 3, rng), [2, 5, 4, 3]);
    const mean = tf.tensor1d(randomValues(3, rng));
    const variance = tf.tensor1d(randomValues(3, rng).map((v) => v * v + 0.5));
    const scale = tf.tensor1d(randomValues(3, rng));
    const offset = tf.tensor1d(randomValues(3, rng));
    const mask = tf.tensor4d(randomValues(2 * 5 * 4 * 3, rng), [2, 5, 4, 3]);
    const eps = 0.001;
    const fused = tf.grads((a, m, v, s, o) => tf.sum(tf.mul(tf.batchNorm(a, m, v, o as tf.Tensor1D, s as tf.Tensor1D, eps), mask)));
    const plain = tf.grads((a, m, v, s, o) => tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(a, m), tf.rsqrt(tf.add(v, eps))), s), o), mask)));
    const gf = fused([x, mean, variance, scale, offset]);
    const gp = plain([x, mean, variance, scale, offset]);
    for (let i = 0; i < gf.length; i++) {
      expect(gf[i].shape).toEqual(gp[i].shape);
      const a = gf[i].dataSync();
      const b = gp[i].dataSync();
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThan(1e-4);
    }
    tf.dispose([x, mean, variance, scale, offset, mask, ...gf, ...gp]);
  });
});
