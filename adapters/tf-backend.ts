/**
 * TensorFlow.js backend selection: the one place that decides where tensors live.
 * - `@tensorflow/tfjs-node` (native libtensorflow) when it is installed and loadable;
 * - otherwise `@tensorflow/tfjs-backend-wasm` (the tested default), plus the Conv2DBackpropFilter kernel
 *   it lacks (shared/model/conv2d-backprop-filter.ts) so that training works there too;
 * - a broadcasting FusedBatchNorm gradient (shared/model/batchnorm-grad.ts) replacing the stock one, which tiles.
 * Every entry point awaits initTf() before its first tf op.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormGradConfig } from '../shared/model/batchnorm-grad';
import { conv2dBackpropFilterKernel } from '../shared/model/conv2d-backprop-filter';

export type TfBackendName = 'tensorflow' | 'wasm';

let ready: Promise<typeof tf> | null = null;

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
