/**
 * Real-input FFT power spectrum for power-of-two sizes, in plain TypeScript over Float64Array.
 *
 * A real frame of length N is packed into a complex signal of length M = N/2 (even samples real, odd imaginary),
 * transformed by an iterative radix-4 FFT (one radix-2 pass first when log2(M) is odd) whose twiddles are
 * precomputed per pass and read contiguously, then split into the N/2 + 1 bins of the real spectrum.
 * Only |X[k]|^2 is produced: that is all the mel pipeline needs.
 */

export interface FftScratch {
  re: Float64Array;
  im: Float64Array;
}

export class RealFftPlan {
  /** Real transform size N. */
  readonly size: number;
  /** Number of non-negative-frequency bins: N / 2 + 1. */
  readonly bins: number;
  private readonly half: number;
  private readonly bitReverse: Uint32Array;
  /** True when log2(M) is odd: a radix-2 pass (span 2) precedes the radix-4 passes. */
  private readonly leadingRadix2: boolean;
  /** Radix-4 passes of span L (L/4 butterflies each): W_L^j, W_L^2j, W_L^3j for j < L/4, concatenated by pass. */
  private readonly tw1r: Float64Array;
  private readonly tw1i: Float64Array;
  private readonly tw2r: Float64Array;
  private readonly tw2i: Float64Array;
  private readonly tw3r: Float64Array;
  private readonly tw3i: Float64Array;
  /** Half split twiddles e^{-2*pi*i*k/N} / 2, k <= N/2. */
  private readonly splitCos: Float64Array;
  private readonly splitSin: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 8 || (size & (size - 1)) !== 0) {
      throw new TypeError(`RealFftPlan: size must be a power of two >= 8, got ${size}`);
    }
    this.size = size;
    const m = size / 2;
    this.half = m;
    this.bins = m + 1;
    const bits = Math.round(Math.log2(m));
    this.leadingRadix2 = bits % 2 === 1;
    this.bitReverse = new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    const twiddles: number[][] = [[], [], [], [], [], []];
    for (let span = this.leadingRadix2 ? 8 : 4; span <= m; span *= 4) {
      for (let j = 0; j < span / 4; j++) {
        for (let p = 1; p <= 3; p++) {
          const angle = (-2 * Math.PI * p * j) / span;
          twiddles[2 * (p - 1)].push(Math.cos(angle));
          twiddles[2 * (p - 1) + 1].push(Math.sin(angle));
        }
      }
    }
    [this.tw1r, this.tw1i, this.tw2r, this.tw2i, this.tw3r, this.tw3i] = twiddles.map((t) => Float64Array.from(t));
    this.splitCos = new Float64Array(m + 1);
    this.splitSin = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      const angle = (-2 * Math.PI * k) / size;
      this.splitCos[k] = 0.5 * Math.cos(angle);
      this.splitSin[k] = 0.5 * Math.sin(angle);
    }
  }

  /** Work buffers for `powerSpectrum`; allocate one per computation (the plan itself stays immutable). */
  createScratch(): FftScratch {
    return { re: new Float64Array(this.half), im: new Float64Array(this.half) };
  }

  /** |FFT(frame)|^2 for bins 0..N/2 into `out`; `frame` holds N samples. `scratch` is overwritten. */
  powerSpectrum(frame: Float64Array, out: Float64Array, scratch: FftScratch): void {
    const m = this.half;
    const re = scratch.re;
    const im = scratch.im;
    const rev = this.bitReverse;
    for (let i = 0; i < m; i++) {
      const j = rev[i];
      re[j] = frame[2 * i];
      im[j] = frame[2 * i + 1];
    }
    this.transformInPlace(re, im);
    this.split(re, im, out);
  }

  /**
   * |FFT(signal[offset .. offset+N) * window)|^2 into `out` (bins 0..N/2); the range must lie inside `signal`.
   * Windowing is fused into the input permutation (no frame copy).
   */
  powerSpectrumWindowed(signal: Float32Array, offset: number, window: Float64Array, out: Float64Array, scratch: FftScratch): void {
    const m = this.half;
    const re = scratch.re;
    const im = scratch.im;
    const rev = this.bitReverse;
    for (let i = 0; i < m; i++) {
      const j = rev[i];
      const n = 2 * i;
      re[j] = signal[offset + n] * window[n];
      im[j] = signal[offset + n + 1] * window[n + 1];
    }
    this.transformInPlace(re, im);
    this.split(re, im, out);
  }

  /** In-place complex FFT of length M on bit-reversed input. */
  private transformInPlace(re: Float64Array, im: Float64Array): void {
    const m = this.half;
    let span: number;
    if (this.leadingRadix2) {
      for (let i = 0; i < m; i += 2) {
        const ar = re[i];
        const ai = im[i];
        const br = re[i + 1];
        const bi = im[i + 1];
        re[i] = ar + br;
        im[i] = ai + bi;
        re[i + 1] = ar - br;
        im[i + 1] = ai - bi;
      }
      span = 8;
    } else {
      // First radix-4 pass (span 4): all twiddles are 1.
      for (let s = 0; s < m; s += 4) {
        const q0r = re[s], q0i = im[s];
        const q1r = re[s + 1], q1i = im[s + 1];
        const q2r = re[s + 2], q2i = im[s + 2];
        const q3r = re[s + 3], q3i = im[s + 3];
        const t0r = q0r + q1r, t0i = q0i + q1i;
        const t1r = q0r - q1r, t1i = q0i - q1i;
        const t2r = q2r + q3r, t2i = q2i + q3i;
        const t3r = q2r - q3r, t3i = q2i - q3i;
        re[s] = t0r + t2r;
        im[s] = t0i + t2i;
        re[s + 2] = t0r - t2r;
        im[s + 2] = t0i - t2i;
        // t1 -/+ i*t3
        re[s + 1] = t1r + t3i;
        im[s + 1] = t1i - t3r;
        re[s + 3] = t1r - t3i;
        im[s + 3] = t1i + t3r;
      }
      span = 16;
    }
    const w1r = this.tw1r, w1i = this.tw1i, w2r = this.tw2r, w2i = this.tw2i, w3r = this.tw3r, w3i = this.tw3i;
    // Twiddles of the first radix-4 pass (span 4, all ones) are stored too when there is no leading radix-2 pass.
    let tw = this.leadingRadix2 ? 0 : 1;
    for (; span <= m; span *= 4) {
      const quarter = span >> 2;
      for (let s = 0; s < m; s += span) {
        for (let j = 0; j < quarter; j++) {
          const a0 = s + j;
          const a1 = a0 + quarter;
          const a2 = a1 + quarter;
          const a3 = a2 + quarter;
          const k = tw + j;
          // Bit-reversed layout: quarters hold the sub-DFTs of x[4m], x[4m+2], x[4m+1], x[4m+3].
          const q0r = re[a0], q0i = im[a0];
          const xr1 = re[a1], xi1 = im[a1];
          const xr2 = re[a2], xi2 = im[a2];
          const xr3 = re[a3], xi3 = im[a3];
          const c2r = w2r[k], c2i = w2i[k];
          const q1r = xr1 * c2r - xi1 * c2i, q1i = xr1 * c2i + xi1 * c2r;
          const c1r = w1r[k], c1i = w1i[k];
          const q2r = xr2 * c1r - xi2 * c1i, q2i = xr2 * c1i + xi2 * c1r;
          const c3r = w3r[k], c3i = w3i[k];
          const q3r = xr3 * c3r - xi3 * c3i, q3i = xr3 * c3i + xi3 * c3r;
          const t0r = q0r + q1r, t0i = q0i + q1i;
          const t1r = q0r - q1r, t1i = q0i - q1i;
          const t2r = q2r + q3r, t2i = q2i + q3i;
          const t3r = q2r - q3r, t3i = q2i - q3i;
          re[a0] = t0r + t2r;
          im[a0] = t0i + t2i;
          re[a2] = t0r - t2r;
          im[a2] = t0i - t2i;
          re[a1] = t1r + t3i;
          im[a1] = t1i - t3r;
          re[a3] = t1r - t3i;
          im[a3] = t1i + t3r;
        }
      }
      tw += quarter;
    }
  }

  /** X[k] = E[k] + W_N^k O[k] with E = (Z[k] + conj Z[M-k]) / 2, O = (Z[k] - conj Z[M-k]) / 2i; writes |X[k]|^2. */
  private split(re: Float64Array, im: Float64Array, out: Float64Array): void {
    const m = this.half;
    const sc = this.splitCos;
    const ss = this.splitSin;
    out[0] = (re[0] + im[0]) * (re[0] + im[0]);
    out[m] = (re[0] - im[0]) * (re[0] - im[0]);
    // sc/ss hold W/2 so the halving of E and O is folded in: 2X = (Z + conj Z') + W (Z - conj Z') / i.
    for (let k = 1; k < m; k++) {
      const zr = re[k];
      const zi = im[k];
      const cr = re[m - k];
      const ci = im[m - k]; // conj Z' = cr - i*ci
      const er = zr + cr;
      const ei = zi - ci;
      const or = zi + ci;
      const oi = cr - zr;
      const wr = sc[k];
      const wi = ss[k];
      const xr = 0.5 * er + wr * or - wi * oi;
      const xi = 0.5 * ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}
