/**
 * librosa.feature.delta (0.9.2): a Savitzky–Golay derivative along time,
 * `scipy.signal.savgol_filter(data, width, deriv=order, polyorder=order, mode='interp', axis=-1)`.
 * In 'interp' mode the first and last width/2 frames come from a polynomial fitted to the edge window
 * (not from padding), so those weights differ from the interior ones.
 */

/** Solves the small dense system A x = b in place (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c < n; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  return x;
}

/**
 * Weights w such that sum_j w[j] * y[j] is the `deriv`-th derivative, at position `at`, of the least-squares
 * polynomial of degree `polyorder` through the points (x[j], y[j]), x[j] = j - (width-1)/2.
 */
export function savgolWeights(options: { width: number; polyorder: number; deriv: number; at: number }): Float64Array {
  const { width, polyorder, deriv, at } = options;
  const center = (width - 1) / 2;
  const terms = polyorder + 1;
  // Derivative of each monomial x^i at `at`: i!/(i-d)! at^(i-d).
  const g: number[] = [];
  for (let i = 0; i < terms; i++) {
    if (i < deriv) {
      g.push(0);
      continue;
    }
    let falling = 1;
    for (let k = 0; k < deriv; k++) falling *= i - k;
    g.push(falling * Math.pow(at, i - deriv));
  }
  // w = A (A^T A)^{-1} g, with A[j][i] = x_j^i.
  const ata: number[][] = [];
  for (let r = 0; r < terms; r++) {
    ata.push([]);
    for (let c = 0; c < terms; c++) {
      let s = 0;
      for (let j = 0; j < width; j++) s += Math.pow(j - center, r + c);
      ata[r].push(s);
    }
  }
  const z = solve(ata, g);
  const w = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    let s = 0;
    for (let i = 0; i < terms; i++) s += Math.pow(j - center, i) * z[i];
    w[j] = s;
  }
  return w;
}

interface DeltaWeights {
  interior: Float64Array;
  /** left[i]: weights over frames 0..width-1 for output frame i < width/2. */
  left: Float64Array[];
  /** right[i]: weights over the last `width` frames for output frame (frames - width/2 + i). */
  right: Float64Array[];
}

function deltaWeights(width: number, order: number): DeltaWeights {
  const half = (width - 1) / 2;
  const at = (position: number) => savgolWeights({ width, polyorder: order, deriv: order, at: position });
  return {
    interior: at(0),
    left: Array.from({ length: half }, (_, i) => at(i - half)),
    right: Array.from({ length: half }, (_, i) => at(half + 1 + i)),
  };
}

const SEED_WIDTH = 9;
/** Weights for librosa's default width 9, orders 1 and 2 (immutable, built once). */
const SEED_WEIGHTS: readonly DeltaWeights[] = [deltaWeights(SEED_WIDTH, 1), deltaWeights(SEED_WIDTH, 2)];

export interface DeltaOptions {
  /** Frames (time steps) in `data`. */
  frames: number;
  /** Values per frame; `data` is frame-major: data[t * coefficients + c]. */
  coefficients: number;
  /** 1 = delta, 2 = delta-delta. Default 1. */
  order?: number;
  /** Odd window length >= 3. Default 9. */
  width?: number;
}

/** librosa.feature.delta(data, width, order, axis=time, mode='interp') over frame-major data; float64 out. */
export function delta(data: ArrayLike<number>, options: DeltaOptions): Float64Array {
  const { frames, coefficients } = options;
  const order = options.order ?? 1;
  const width = options.width ?? 9;
  if (!Number.isInteger(width) || width < 3 || width % 2 !== 1) throw new TypeError(`delta: width must be an odd integer >= 3, got ${width}`);
  if (!Number.isInteger(order) || order < 1 || order >= width) throw new TypeError(`delta: order must be an integer in [1, width), got ${order}`);
  if (frames < width) throw new TypeError(`delta: 'interp' mode needs at least width=${width} frames, got ${frames}`);
  if (data.length !== frames * coefficients) throw new TypeError(`delta: data has ${data.length} values, expected ${frames} x ${coefficients}`);
  const half = (width - 1) / 2;
  const out = new Float64Array(frames * coefficients);
  const w = width === SEED_WIDTH && (order === 1 || order === 2) ? SEED_WEIGHTS[order - 1] : deltaWeights(width, order);
  const interior = w.interior;
  // Row-wise accumulation (contiguous inner loop); per output value the terms are still summed in j order.
  for (let t = half; t < frames - half; t++) {
    const o = t * coefficients;
    for (let j = 0; j < width; j++) {
      const wj = interior[j];
      const src = (t - half + j) * coefficients;
      for (let c = 0; c < coefficients; c++) out[o + c] += wj * data[src + c];
    }
  }
  // Edges: fit over the first / last `width` frames, evaluate at each edge frame's position in that window.
  for (let i = 0; i < half; i++) {
    const left = w.left[i];
    const right = w.right[i];
    const tRight = frames - half + i;
    for (let c = 0; c < coefficients; c++) {
      let sl = 0;
      let sr = 0;
      for (let j = 0; j < width; j++) {
        sl += left[j] * data[j * coefficients + c];
        sr += right[j] * data[(frames - width + j) * coefficients + c];
      }
      out[i * coefficients + c] = sl;
      out[tRight * coefficients + c] = sr;
    }
  }
  return out;
}
