import '@tensorflow/tfjs-backend-cpu'; // registers the 'cpu' backend these tests compare with
import * as tf from '../../shared/tf';
import { initTf } from '../../adapters/tf-backend';
import { conv2dBackpropInputKernel } from '../../shared/model/conv2d-backprop-input';
import { leadingAxesReductionKernel, maxPoolGradKernel } from '../../shared/model/wasm-heap-kernels';
import { Rng } from '../../shared/rng';

// This suite compares with the cpu backend on purpose; PROD mode only mutes tfjs's warnings, e.g. its
// 'install tfjs-node to speed things up' banner on the first cpu tensor.
tf.enableProdMode();

/** Runs `fn` on a backend and returns its result as plain numbers. */
async function on(backend: string, fn: () => tf.Tensor): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const t = tf.tidy(fn);
  const out = { shape: t.shape, values: (await t.data()) as Float32Array };
  t.dispose();
  return out;
}

function values(n: number, seed: number, levels = 0): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  // levels > 0: few distinct values, so pooling windows hold ties (as after ReLU + BatchNorm).
  for (let i = 0; i < n; i++) out[i] = levels > 0 ? rng.int(0, levels - 1) / levels : rng.uniform(-1, 1);
  return out;
}

async function expectSameOnCpuAndWasm(fn: () => tf.Tensor, tolerance: number): Promise<void> {
  const cpu = await on('cpu', fn);
  const wasm = await on('wasm', fn);
  expect(wasm.shape).toEqual(cpu.shape);
  let worst = 0;
  for (let i = 0; i < cpu.values.length; i++) worst = Math.max(worst, Math.abs(cpu.values[i] - wasm.values[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('wasm training kernels (wrapped Sum, Mean, MaxPoolGrad, Conv2DBackpropInput)', () => {
  beforeAll(async () => {
    await initTf();
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('Sum and Mean over leading axes (and every other reduction) match the cpu backend', async () => {
    const x = values(3 * 5 * 7 * 4, 1);
    for (const [axis, keepDims] of [[[0, 1, 2], false], [[0, 1, 2], true], [[0], false], [[1, 0], true], [[2, 3], false], [[1], false], [[0, 1, 2, 3], false]] as const) {
      await expectSameOnCpuAndWasm(() => tf.sum(tf.tensor4d(x, [3, 5, 7, 4]), [...axis], keepDims), 1e-5);
      await expectSameOnCpuAndWasm(() => tf.mean(tf.tensor4d(x, [3, 5, 7, 4]), [...axis], keepDims), 1e-6);
    }
    await expectSameOnCpuAndWasm(() => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0), 0);
  });

  it.each([
    { name: 'model pool 1-2: 3x3 stride 2 same', x: [2, 11, 9, 3], f: 3, s: 2, pad: 'same' },
    { name: 'model pool 3: 2x2 stride 2 same (odd size)', x: [2, 7, 5, 4], f: 2, s: 2, pad: 'same' },
    { name: '3x3 stride 1 valid', x: [1, 6, 6, 2], f: 3, s: 1, pad: 'valid' },
  ] as const)('MaxPoolGrad matches the cpu backend, ties included: $name', async ({ x: shape, f, s, pad }) => {
    const size = (shape as readonly number[]).reduce((p, d) => p * d, 1);
    for (const levels of [0, 3]) {
      const xs = values(size, 2 + levels, levels);
      await expectSameOnCpuAndWasm(() => {
        const x = tf.tensor4d(xs, [...shape]);
        const probe = tf.maxPool(x, f, s, pad);
        const weight = tf.tensor(values(probe.size, 5), probe.shape);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, f, s, pad), weight)))(x);
      }, 1e-5);
    }
  });

  it.each([
    { name: 'model conv 2: 3x3 same', x: [2, 9, 7, 4], w: [3, 3, 4, 5], s: 1, pad: 'same' },
    { name: 'model conv 3: 2x2 same (asymmetric padding)', x: [2, 6, 5, 3], w: [2, 2, 3, 4], s: 1, pad: 'same' },
    { name: '3x3 valid', x: [1, 7, 6, 2], w: [3, 3, 2, 3], s: 1, pad: 'valid' },
    { name: 'stride 2 (stock kernel)', x: [1, 9, 8, 2], w: [3, 3, 2, 2], s: 2, pad: 'same' },
  ] as const)('Conv2DBackpropInput matches the cpu backend: $name', async ({ x: xShape, w: wShape, s, pad }) => {
    const xs = values((xShape as readonly number[]).reduce((p, d) => p * d, 1), 3);
    const ws = values((wShape as readonly number[]).reduce((p, d) => p * d, 1), 4);
    await expectSameOnCpuAndWasm(() => {
      const x = tf.tensor4d(xs, [...xShape]);
      const w = tf.tensor4d(ws, [...wShape]);
      const probe = tf.conv2d(x, w, s, pad);
      const weight = tf.tensor(values(probe.size, 6), probe.shape);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(t as tf.Tensor4D, w, s, pad), weight)))(x);
    }, 1e-4);
  });

  it('handle the CNN\'s cases themselves and hand everything else to the stock kernel', async () => {
    await tf.setBackend('wasm');
    const stock = (name: string): tf.KernelConfig => ({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: () => {
        throw new Error(`stock ${name}`);
      },
    });
    const backend = tf.backend();
    const run = (k: tf.KernelConfig, inputs: Record<string, tf.Tensor>, attrs: object) =>
      k.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo;
    const x = tf.tensor4d(values(2 * 3 * 4 * 5, 9), [2, 3, 4, 5]);
    const sum = leadingAxesReductionKernel(stock('Sum'));
    const s = run(sum, { x }, { axis: [0, 1, 2], keepDims: false });
    const expected = tf.sum(x, [0, 1, 2]);
    expect(Array.from(tf.engine().makeTensorFromTensorInfo(s).dataSync())).toEqual(Array.from(expected.dataSync()).map((v) => expect.closeTo(v, 5)));
    expect(() => run(sum, { x }, { axis: [1, 2], keepDims: false })).toThrow('stock Sum');
    const m = run(leadingAxesReductionKernel(stock('Mean')), { x }, { axis: [0, 1], keepDims: true });
    expect(m.shape).toEqual([1, 1, 4, 5]);
    const expectedMean = tf.mean(x, [0, 1], true);
    expect(Array.from(tf.engine().makeTensorFromTensorInfo(m).dataSync())).toEqual(Array.from(expectedMean.dataSync()).map((v) => expect.closeTo(v, 5)));
    const pool = maxPoolGradKernel(stock('MaxPoolGrad'));
    const pooled = tf.maxPool(x, 3, 2, 'same');
    expect(run(pool, { dy: tf.onesLike(pooled), input: x, output: pooled }, { filterSize: 3, strides: 2, pad: 'same' }).shape).toEqual(x.shape);
    const back = conv2dBackpropInputKernel(stock('Conv2DBackpropInput'));
    const w = tf.tensor4d(values(3 * 3 * 5 * 2, 8), [3, 3, 5, 2]);
    const dy = tf.ones([2, 3, 4, 2]);
    expect(run(back, { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape }).shape).toEqual(x.shape);
    expect(() => run(back, { dy: tf.ones([2, 2, 2, 2]), filter: w }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape })).toThrow('stock');
  });
});
