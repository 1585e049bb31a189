/**
 * TensorFlow.js backend selection: the one place that decides where tensors live.
 * - `@tensorflow/tfjs-node` (native libtensorflow) when it is installed and loadable;
 * - otherwise `@tensorflow/tfjs-backend-wasm` (the tested default), plus the Conv2DBackpropFilter kernel
 *   it lacks (shared/model/conv2d-backprop-filter.ts) so that training works there too;
 * - a broadcasting FusedBatchNorm gradient (shared/model/batchnorm-grad.ts) replacing the stock one, which tiles;
 * - on wasm, faster Sum and Mean (leading axes), MaxPoolGrad and stride-1 Conv2DBackpropInput kernels wrapping the
 *   stock ones (shared/model/wasm-heap-kernels.ts, conv2d-backprop-input.ts): a training step ~40 % less CPU.
 * Every entry point awaits initTf() before its first tf op.
 */
import * as tf from '../shared/tf';
import { fusedBatchNormGradConfig } from '../shared/model/batchnorm-grad';
import { conv2dBackpropFilterKernel } from '../shared/model/conv2d-backprop-filter';
import { conv2dBackpropInputKernel } from '../shared/model/conv2d-backprop-input';
import { leadingAxesReductionKernel, maxPoolGradKernel } from '../shared/model/wasm-heap-kernels';

export type TfBackendName = 'tensorflow' | 'wasm';

let ready: Promise<typeof tf> | null = null;

/** wasm kernels replaced by a wrapper that handles our CNN's cases and passes the rest to the stock kernel. */
const WASM_KERNEL_WRAPPERS: Record<string, (stock: tf.KernelConfig) => tf.KernelConfig> = {
  Sum: leadingAxesReductionKernel,
  Mean: leadingAxesReductionKernel,
  MaxPoolGrad: maxPoolGradKernel,
  Conv2DBackpropInput: conv2dBackpropInputKernel,
};
const wrappedWasmKernels = new Set<string>();

function wrapWasmKernels(): void {
  for (const [name, wrap] of Object.entries(WASM_KERNEL_WRAPPERS)) {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock || wrappedWasmKernels.has(name)) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(wrap(stock));
    wrappedWasmKernels.add(name);
  }
}

function hasNativeTf(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

async function selectBackend(): Promise<typeof tf> {
  // Same values as the stock gradient, without its tiled temporaries (any backend benefits).
  if (tf.getGradient('FusedBatchNorm')?.gradFunc !== fusedBatchNormGradConfig.gradFunc) {
    const warn = console.warn;
    console.warn = () => undefined; // tfjs announces every gradient override
    try {
      tf.registerGradient(fusedBatchNormGradConfig);
    } finally {
      console.warn = warn;
    }
  }
  if (hasNativeTf()) {
    try {
      // Registers the 'tensorflow' backend on the same tfjs-core instance when versions agree.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency, resolved at run time
      require('@tensorflow/tfjs-node');
      if (await tf.setBackend('tensorflow')) return tf;
    } catch {
      // An unloadable native binding (wrong platform, missing libtensorflow) falls back to wasm.
    }
  }
  // Importing the package registers the 'wasm' backend.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when chosen (registers 'wasm')
  require('@tensorflow/tfjs-backend-wasm');
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) tf.registerKernel(conv2dBackpropFilterKernel('wasm'));
  wrapWasmKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('initTf: the wasm backend failed to initialise');
  await tf.ready();
  return tf;
}

/** Idempotent: selects and initialises the backend once per process; returns the tf namespace. */
export function initTf(): Promise<typeof tf> {
  if (!ready) {
    ready = selectBackend().catch((err) => {
      ready = null;
      throw err;
    });
  }
  return ready;
}

/** The backend in use (after initTf). */
export function tfBackendName(): string {
  return tf.getBackend();
}
