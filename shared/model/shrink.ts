/**
 * Shrinking a trained res-cnn into a narrower one (e.g. res-cnn -> res-cnn-small) by keeping, in every stage, the
 * channels whose BatchNormalization scale |gamma| is largest ("network slimming", Liu et al. 2017): a channel with a
 * small gamma contributes little after BN, so the narrow network starts close to its parent and distillation
 * (train.ts) only has to recover what the dropped channels carried, instead of learning from scratch.
 *
 * The residual stage adds its input to its branch, so the channels kept there are one set for both: the stage's
 * first conv and the branch's last conv, scored by the sum of their |gamma|.
 */
import * as tf from '../tf';

/** A Conv2D (no bias) and the BatchNormalization that reads it, as weight arrays. */
interface ConvBn {
  kernel: tf.Tensor4D;
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** The conv+BN pairs (stem, body, branch a, branch b, head) and the final Dense of a res-cnn, in graph order. */
function resCnnParts(model: tf.LayersModel): { convs: ConvBn[]; dense: [tf.Tensor2D, tf.Tensor1D] } {
  const convLayers = model.layers.filter((l) => l.getClassName() === 'Conv2D');
  const bnLayers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  const denseLayers = model.layers.filter((l) => l.getClassName() === 'Dense');
  if (convLayers.length !== 5 || bnLayers.length !== 5 || denseLayers.length !== 1) {
    throw new TypeError(`shrinkResCnn: '${model.name}' is not a res-cnn (5 Conv2D + 5 BatchNormalization + 1 Dense expected)`);
  }
  const convs = convLayers.map((conv, i) => {
    const [kernel] = conv.getWeights() as [tf.Tensor4D];
    const [gamma, beta, mean, variance] = bnLayers[i].getWeights() as tf.Tensor1D[];
    return { kernel, gamma, beta, mean, variance };
  });
  const [w, b] = denseLayers[0].getWeights() as [tf.Tensor2D, tf.Tensor1D];
  return { convs, dense: [w, b] };
}

/** Indices of the `k` largest scores, ascending (ties: lower index first), so channel order is kept. */
export function topChannels(scores: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1 || k > scores.length) throw new TypeError(`topChannels: cannot keep ${k} of ${scores.length} channels`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

function absGamma(part: ConvBn): Float32Array {
  return tf.tidy(() => tf.abs(part.gamma).dataSync() as Float32Array);
}

/**
 * Sets every weight of `child` (a res-cnn of equal or smaller widths, same input shape) from `parent`: each stage
 * keeps the parent channels with the largest |gamma|, and every kernel is cut to the kept input and output channels.
 * Returns the kept channel indices per stage (for the record).
 */
export function shrinkResCnn(parent: tf.LayersModel, child: tf.LayersModel): { stem: number[]; body: number[]; branch: number[]; head: number[] } {
  if (parent.inputs[0].shape.join() !== child.inputs[0].shape.join()) {
    throw new TypeError(`shrinkResCnn: input shapes differ (${parent.inputs[0].shape} vs ${child.inputs[0].shape})`);
  }
  const p = resCnnParts(parent);
  const c = resCnnParts(child);
  const width = (i: number) => c.convs[i].gamma.shape[0];
  const [stemP, bodyP, branchAP, branchBP, headP] = p.convs;
  const kept = tf.tidy(() => {
    const bodyScores = tf.add(tf.abs(bodyP.gamma), tf.abs(branchBP.gamma)).dataSync();
    return {
      stem: topChannels(absGamma(stemP), width(0)),
      body: topChannels(bodyScores, width(1)),
      branch: topChannels(absGamma(branchAP), width(2)),
      head: topChannels(absGamma(headP), width(4)),
    };
  });
  if (width(3) !== kept.body.length) throw new TypeError('shrinkResCnn: the residual branch must end with the body width');
  // [input channels kept, output channels kept] of each conv, in graph order.
  const cuts: [number[] | null, number[]][] = [
    [null, kept.stem],
    [kept.stem, kept.body],
    [kept.body, kept.branch],
    [kept.branch, kept.body],
    [kept.body, kept.head],
  ];
  const weights = tf.tidy(() => {
    const out: tf.Tensor[] = [];
    cuts.forEach(([inputs, outputs], i) => {
      const part = p.convs[i];
      const outIdx = tf.tensor1d(outputs, 'int32');
      let kernel: tf.Tensor = tf.gather(part.kernel, outIdx, 3);
      if (inputs) kernel = tf.gather(kernel, tf.tensor1d(inputs, 'int32'), 2);
      out.push(kernel, ...[part.gamma, part.beta, part.mean, part.variance].map((t) => tf.gather(t, outIdx)));
    });
    out.push(tf.gather(p.dense[0], tf.tensor1d(kept.head, 'int32'), 0), p.dense[1].clone());
    return out.map((t) => tf.keep(t));
  });
  // Child weights in model order: for each conv its kernel, for each BN gamma/beta/mean/variance, then the Dense.
  const byLayer = new Map<string, tf.Tensor[]>();
  const convLayers = child.layers.filter((l) => l.getClassName() === 'Conv2D');
  const bnLayers = child.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  convLayers.forEach((l, i) => byLayer.set(l.name, [weights[i * 5]]));
  bnLayers.forEach((l, i) => byLayer.set(l.name, weights.slice(i * 5 + 1, i * 5 + 5)));
  byLayer.set(child.layers.find((l) => l.getClassName() === 'Dense')!.name, weights.slice(25));
  for (const layer of child.layers) {
    const w = byLayer.get(layer.name);
    if (w) layer.setWeights(w);
  }
  tf.dispose(weights);
  return kept;
}
