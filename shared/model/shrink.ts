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

/** The convs (stem, body, branch a, branch b, head), the BatchNormalizations that read them, and the final Dense. */
function resCnnLayers(model: tf.LayersModel): { convs: tf.layers.Layer[]; bns: tf.layers.Layer[]; dense: tf.layers.Layer } {
  const ofClass = (name: string) => model.layers.filter((l) => l.getClassName() === name);
  const [convs, bns, denses] = [ofClass('Conv2D'), ofClass('BatchNormalization'), ofClass('Dense')];
  if (convs.length !== 5 || bns.length !== 5 || denses.length !== 1) {
    throw new TypeError(`shrinkResCnn: '${model.name}' is not a res-cnn (5 Conv2D + 5 BatchNormalization + 1 Dense expected)`);
  }
  return { convs, bns, dense: denses[0] };
}

/** Indices of the `k` largest scores, ascending (ties: lower index first), so channel order is kept. */
export function topChannels(scores: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1 || k > scores.length) throw new TypeError(`topChannels: cannot keep ${k} of ${scores.length} channels`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

/** |gamma| of a BatchNormalization layer, per channel. */
function absGamma(bn: tf.layers.Layer): Float32Array {
  return tf.tidy(() => tf.abs(bn.getWeights()[0]).dataSync() as Float32Array);
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
  const p = resCnnLayers(parent);
  const c = resCnnLayers(child);
  const width = (i: number) => c.bns[i].getWeights()[0].shape[0];
  const [stem, body, branchA, branchB, head] = p.bns.map(absGamma);
  const kept = {
    stem: topChannels(stem, width(0)),
    body: topChannels(body.map((g, ch) => g + branchB[ch]), width(1)),
    branch: topChannels(branchA, width(2)),
    head: topChannels(head, width(4)),
  };
  if (width(3) !== kept.body.length) throw new TypeError('shrinkResCnn: the residual branch must end with the body width');
  // [input channels kept, output channels kept] of each conv, in graph order.
  const cuts: [number[] | null, number[]][] = [
    [null, kept.stem],
    [kept.stem, kept.body],
    [kept.body, kept.branch],
    [kept.branch, kept.body],
    [kept.body, kept.head],
  ];
  tf.tidy(() => {
    cuts.forEach(([inputs, outputs], i) => {
      const outIdx = tf.tensor1d(outputs, 'int32');
      let kernel = tf.gather(p.convs[i].getWeights()[0], outIdx, 3);
      if (inputs) kernel = tf.gather(kernel, tf.tensor1d(inputs, 'int32'), 2);
      c.convs[i].setWeights([kernel]);
      // gamma, beta, moving mean, moving variance
      c.bns[i].setWeights(p.bns[i].getWeights().map((t) => tf.gather(t, outIdx)));
    });
    const [w, b] = p.dense.getWeights();
    c.dense.setWeights([tf.gather(w, tf.tensor1d(kept.head, 'int32'), 0), b]);
  });
  return kept;
}
