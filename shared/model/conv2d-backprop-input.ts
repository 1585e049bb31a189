/**
 * Conv2DBackpropInput (the gradient of a 2-D convolution with respect to its input) for stride 1 as a forward
 * convolution, which the wasm backend runs through XNNPACK; its own Conv2DBackpropInput is a plain loop, about
 * twice as slow as all three forward convolutions of our CNN together.
 * With stride 1 and dilation 1: dx = conv2d(dy, W'), W'[i, j, co, ci] = W[KH-1-i, KW-1-j, ci, co] (the filter
 * turned by 180 degrees, channels swapped), padded by KH-1-top / KH-1-bottom (and likewise for the width).
 * Other strides go to the original kernel.
 */
import * as tf from '../tf';

export function conv2dBackpropInputKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args) => {
      const { dy, filter } = args.inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (a.dataFormat && a.dataFormat !== 'NHWC') return original.kernelFunc(args);
      const [kh, kw] = filter.shape;
      const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
      const { top, bottom, left, right } = info.padInfo;
      const pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
      if (info.strideHeight !== 1 || info.strideWidth !== 1 || pads.some((p) => p < 0)) return original.kernelFunc(args);
      return tf.tidy(() => {
        const turned = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
        const explicit: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]];
        return tf.conv2d(dy, turned as tf.Tensor4D, 1, explicit);
      });
    },
  };
}
