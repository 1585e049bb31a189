/**
 * The TensorFlow.js API the project uses: tfjs-core (tensors, ops, optimizers, kernels, model IO) and tfjs-layers
 * (Keras-style models). Every module imports tf from here rather than from the '@tensorflow/tfjs' union package,
 * which would also load the converter, tfjs-data and the cpu and webgl backends: 7.4 MB of JavaScript instead of
 * 2.7 MB, compiled again in every report worker thread (≈ 0.1 s of CPU each). The backends are chosen in
 * adapters/tf-backend.ts; the union package stays a dependency only to pin one version for the whole family.
 */
export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
