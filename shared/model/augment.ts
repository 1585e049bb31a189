/**
 * Training-time regularisers applied to a batch's feature arrays and targets before they become tensors
 * (pure, deterministic from an Rng): label smoothing, mixup, SpecAugment-style time/band masks, time shifts.
 */
import { Rng } from '../rng';

export interface SpecAugmentConfig {
  /** Masks per example along time (frames) and along the values axis (bands / coefficients). */
  timeMasks: number;
  maxTimeWidth: number;
  bandMasks: number;
  maxBandWidth: number;
}

/** 'timeMasks,maxTimeWidth,bandMasks,maxBandWidth' (e.g. '2,8,2,6') as a SpecAugmentConfig; throws TypeError otherwise. */
export function parseSpecAugment(text: string): SpecAugmentConfig {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 4 || !v.every((n) => Number.isInteger(n) && n >= 0)) throw new TypeError(`spec-augment must be 4 non-negative integers 'timeMasks,maxTimeWidth,bandMasks,maxBandWidth', got '${text}'`);
  return { timeMasks: v[0], maxTimeWidth: v[1], bandMasks: v[2], maxBandWidth: v[3] };
}

/** One-hot targets (n x k), each row smoothed to (1 - eps) * onehot + eps / k. */
export function smoothedTargets(labels: ArrayLike<number>, k: number, eps: number): Float32Array {
  if (!(eps >= 0 && eps < 1)) throw new TypeError(`label smoothing must be in [0, 1), got ${eps}`);
  const out = new Float32Array(labels.length * k).fill(eps / k);
  for (let i = 0; i < labels.length; i++) out[i * k + labels[i]] += 1 - eps;
  return out;
}

/** Gamma(shape, 1) (Marsaglia-Tsang; shape < 1 by the boost Gamma(a) = Gamma(a + 1) * U^(1/a)). */
export function sampleGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new TypeError(`sampleGamma: shape must be > 0, got ${shape}`);
  if (shape < 1) return sampleGamma(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.gaussian();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x / (x + y);
}

/**
 * Mixup in place: example i becomes lam_i * x_i + (1 - lam_i) * x_p(i) for a random permutation p, targets alike;
 * lam_i ~ Beta(alpha, alpha) folded to >= 0.5 so that example i's own label stays the dominant one.
 */
export function mixupInPlace(x: Float32Array, targets: Float32Array, n: number, rng: Rng, alpha: number): void {
  if (!(alpha > 0)) throw new TypeError(`mixup alpha must be > 0, got ${alpha}`);
  if (n < 2) return;
  const size = x.length / n;
  const k = targets.length / n;
  const x0 = x.slice();
  const t0 = targets.slice();
  const partner = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  for (let i = 0; i < n; i++) {
    const b = sampleBeta(rng, alpha, alpha);
    const lam = Math.max(b, 1 - b);
    const j = partner[i];
    for (let v = 0; v < size; v++) x[i * size + v] = lam * x0[i * size + v] + (1 - lam) * x0[j * size + v];
    for (let c = 0; c < k; c++) targets[i * k + c] = lam * t0[i * k + c] + (1 - lam) * t0[j * k + c];
  }
}

/** SpecAugment in place over n examples of frames x width (frame-major): masked stretches are set to 0 (the per-clip mean). */
export function specAugmentInPlace(x: Float32Array, n: number, frames: number, width: number, rng: Rng, config: SpecAugmentConfig): void {
  if (x.length !== n * frames * width) throw new TypeError(`specAugment: ${x.length} values, expected ${n} x ${frames} x ${width}`);
  for (let i = 0; i < n; i++) {
    const base = i * frames * width;
    for (let m = 0; m < config.timeMasks; m++) {
      const w = rng.int(0, Math.min(config.maxTimeWidth, frames));
      const t0 = rng.int(0, frames - w);
      x.fill(0, base + t0 * width, base + (t0 + w) * width);
    }
    for (let m = 0; m < config.bandMasks; m++) {
      const w = rng.int(0, Math.min(config.maxBandWidth, width));
      const f0 = rng.int(0, width - w);
      for (let t = 0; t < frames; t++) x.fill(0, base + t * width + f0, base + t * width + f0 + w);
    }
  }
}

/**
 * Moves each of n examples (frames x width, frame-major) by a whole number of frames drawn uniformly from
 * [-maxFrames, maxFrames], in place: the note's onset then sits anywhere within that many frames of where the clip
 * put it (a clip cut by a person or another program does not start exactly 0.1 s before its note). Frames moved in
 * from outside repeat the first or last frame.
 */
export function timeShiftInPlace(x: Float32Array, n: number, frames: number, width: number, rng: Rng, maxFrames: number): void {
  if (x.length !== n * frames * width) throw new TypeError(`timeShift: ${x.length} values, expected ${n} x ${frames} x ${width}`);
  if (!(Number.isInteger(maxFrames) && maxFrames >= 0 && maxFrames < frames)) throw new TypeError(`timeShift: maxFrames must be an integer in [0, ${frames}), got ${maxFrames}`);
  for (let i = 0; i < n; i++) {
    const shift = rng.int(-maxFrames, maxFrames);
    if (shift === 0) continue;
    const clip = x.subarray(i * frames * width, (i + 1) * frames * width);
    if (shift > 0) {
      // Later: frames move up by `shift`; the first frame fills the start.
      clip.copyWithin(shift * width, 0, (frames - shift) * width);
      for (let t = 1; t < shift; t++) clip.copyWithin(t * width, 0, width);
    } else {
      const s = -shift;
      clip.copyWithin(0, s * width, frames * width);
      for (let t = frames - s; t < frames; t++) clip.copyWithin(t * width, (frames - s - 1) * width, (frames - s) * width);
    }
  }
}
