/**
 * Conv2DBackpropFilter (the gradient of a 2-D convolution with respect to its filter) built from ops the
 * wasm backend has. tfjs-backend-wasm 4.22 ships Conv2D and Conv2DBackpropInput but not this kernel, so
 * training a CNN there fails without it; the cpu backend has it but is ~40x slower for our model.
 *
 * dW[kh, kw, ci, co] = sum over batch and output positions of x_padded[n, oh*sh + kh, ow*sw + kw, ci] * dy[n, oh, ow, co].
 * Stride 1 (our model): computed as one convolution (viaConvolution). Other strides: for every (kh, kw) a strided slice of the padded input lines up with dy, and one matmul
 * ([Ci, N*OH*OW] x [N*OH*OW, Co]) does all the sums for that tap; the taps stack in HWIO order.
 */
import * as tf from '../tf';

export interface Conv2dBackpropFilterArgs {
  x: tf.Tensor4D;
  dy: tf.Tensor4D;
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** NHWC, dilation 1 (tfjs's conv2d gradient requires dilation 1 anyway). Returns [KH, KW, Ci, Co]. */
export function conv2dBackpropFilter({ x, dy, filterShape, strides, pad, dimRoundingMode }: Conv2dBackpropFilterArgs): tf.Tensor4D {
  if (x.rank !== 4 || dy.rank !== 4) throw new TypeError(`conv2dBackpropFilter: x and dy must be rank 4, got ${x.shape} and ${dy.shape}`);
  const [kh, kw, ci, co] = filterShape;
  const [n, h, w, xc] = x.shape;
  if (xc !== ci || dy.shape[3] !== co || dy.shape[0] !== n) {
    throw new TypeError(`conv2dBackpropFilter: shapes disagree: x ${x.shape}, dy ${dy.shape}, filter ${filterShape}`);
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  if (dy.shape[1] !== oh || dy.shape[2] !== ow) {
    throw new TypeError(`conv2dBackpropFilter: dy is ${dy.shape} but the convolution's output is [${n},${oh},${ow},${co}]`);
  }
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Pad only as far as the last window actually reaches (the forward pass's bottom/right pad may be larger).
  const bottom = Math.max(0, kh - 1 + (oh - 1) * sh + 1 - top - h);
  const right = Math.max(0, kw - 1 + (ow - 1) * sw + 1 - left - w);
  if (sh === 1 && sw === 1) return viaConvolution(x, dy, filterShape, [top, bottom, left, right]);
  return tf.tidy(() => {
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const rows = n * oh * ow;
    const dy2d = tf.reshape(dy, [rows, co]);
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const patch = sh === 1 && sw === 1
          ? tf.slice(xp, [0, i, j, 0], [n, oh, ow, ci])
          : tf.stridedSlice(xp, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ci], [1, sh, sw, 1]);
        const p2d = tf.reshape(patch, [rows, ci]);
        // One [Ci, Co] tap per kernel offset. Measured on wasm: an explicit transpose beats transposeA for Ci > 1.
        taps.push(ci > 1 ? tf.matMul(tf.transpose(p2d), dy2d) : tf.matMul(p2d, dy2d, true, false));
      }
    }
    return tf.reshape(taps.length === 1 ? taps[0] : tf.stack(taps), filterShape);
  });
}

/**
 * Stride 1: the filter gradient is itself a convolution, of the input (batch moved to channels) with dy
 * (batch as input channels) as the filter: one Conv2D call, which wasm runs through XNNPACK.
 */
function viaConvolution(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], [top, bottom, left, right]: number[]): tf.Tensor4D {
  const [kh, kw] = filterShape;
  return tf.tidy(() => {
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const input = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, H, W, N]
    const filter = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
    const out = tf.conv2d(input, filter, 1, 'valid'); // [Ci, H - OH + 1, W - OW + 1, Co]
    const cropped = out.shape[1] === kh && out.shape[2] === kw ? out : tf.slice(out, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]); // [KH, KW, Ci, Co]
  });
}

/** The kernel registration for a backend (the engine passes Tensors as inputs; a returned Tensor is used as is). */
export function conv2dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (a.dataFormat && a.dataFormat !== 'NHWC') throw new TypeError(`Conv2DBackpropFilter: only NHWC is supported, got ${a.dataFormat}`);
      return conv2dBackpropFilter({ x, dy, filterShape: a.filterShape, strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode });
    },
  };
}
