/**
 * Training kernels of the wasm backend replaced by plain loops over its heap. In a training step of our CNN
 * they took ~50 % of the time: tfjs-backend-wasm 4.22's Sum and Mean first transpose the reduced axes to the
 * end (every bias/BatchNorm gradient and BatchNorm's moments reduce a whole activation over N, H, W), and its
 * MaxPoolGrad searches each input position's windows again for every output. Here a reduction over leading
 * axes is one pass with float64 accumulators, and MaxPoolGrad finds each window's maximum once and adds dy there.
 * Anything else (other axes, dtypes, dilations) goes to the original kernel.
 */
import * as tf from '../tf';

type HeapArray = Float32Array | Int32Array | Uint8Array;

/** What these kernels use of the wasm backend (BackendWasm's public methods). */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
}

function isHeapBackend(b: unknown): b is HeapBackend {
  const candidate = b as Partial<HeapBackend> | null;
  return typeof candidate?.makeOutput === 'function' && typeof candidate.typedArrayFromHeap === 'function';
}

/**
 * Sum or Mean over axes 0..k-1 of a float32 tensor (k < rank): [M, C] -> [C], accumulated in float64.
 * `original` is the backend's Sum or Mean kernel; its name says which.
 */
export function leadingAxesReductionKernel(original: tf.KernelConfig): tf.KernelConfig {
  const mean = original.kernelName === 'Mean';
  return {
    ...original,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const x = inputs.x as tf.TensorInfo;
      const { axis, keepDims } = attrs as unknown as tf.SumAttrs; // MeanAttrs has the same fields
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
      if (!leading || x.dtype !== 'float32' || !isHeapBackend(backend)) return original.kernelFunc(args);
      const rows = axes.reduce((p, a) => p * x.shape[a], 1);
      const kept = x.shape.slice(axes.length);
      const cols = kept.reduce((p, d) => p * d, 1);
      const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
      // Views are taken after makeOutput: an allocation may grow (and move) the heap.
      const xs = backend.typedArrayFromHeap(x);
      const acc = new Float64Array(cols);
      for (let r = 0, o = 0; r < rows; r++) for (let c = 0; c < cols; c++, o++) acc[c] += xs[o];
      if (mean) for (let c = 0; c < cols; c++) acc[c] /= rows;
      backend.typedArrayFromHeap(out).set(acc);
      return out;
    },
  };
}

/**
 * MaxPoolGrad (NHWC, dilation 1): dx gets each output's dy at the first maximum of its window (row-major
 * order), as tfjs's reference (cpu) kernel does; padding positions never win.
 */
export function maxPoolGradKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const { dy, input } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
      if (input.dtype !== 'float32' || !isHeapBackend(backend)) return original.kernelFunc(args);
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
      const { top, left } = info.padInfo;
      const dx = backend.makeOutput(input.shape, 'float32');
      const xs = backend.typedArrayFromHeap(input);
      const dys = backend.typedArrayFromHeap(dy);
      const dxs = backend.typedArrayFromHeap(dx);
      dxs.fill(0);
      const best = new Float32Array(ch);
      const where = new Int32Array(ch);
      for (let b = 0; b < batchSize; b++) {
        const xBase = b * inHeight * inWidth * ch;
        for (let oh = 0; oh < outHeight; oh++) {
          const r0 = Math.max(0, oh * strideHeight - top), r1 = Math.min(inHeight, oh * strideHeight - top + filterHeight);
          for (let ow = 0; ow < outWidth; ow++) {
            const c0 = Math.max(0, ow * strideWidth - left), c1 = Math.min(inWidth, ow * strideWidth - left + filterWidth);
            best.fill(-Infinity);
            where.fill(-1);
            for (let r = r0; r < r1; r++) {
              for (let col = c0; col < c1; col++) {
                const at = xBase + (r * inWidth + col) * ch;
                for (let d = 0; d < ch; d++) {
                  if (xs[at + d] > best[d]) {
                    best[d] = xs[at + d];
                    where[d] = at + d;
                  }
                }
              }
            }
            const dyAt = ((b * outHeight + oh) * outWidth + ow) * ch;
            for (let d = 0; d < ch; d++) if (where[d] >= 0) dxs[where[d]] += dys[dyAt + d];
          }
        }
      }
      return dx;
    },
  };
}
