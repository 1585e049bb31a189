import { createResamplePlan, KAISER_BEST, renderResampled, resample, resampledLength } from '../../shared/audio/resample';

/**
 * An independent, literal transcription of resampy 0.4's interpolation loop (time register t / ratio,
 * full filter table, left wing then right wing), in float64. Slow; used only to check the polyphase path.
 */
let baseWindow: Float64Array | null = null;

/** kaiser(2n+1, beta)[n:] * rolloff * sinc(rolloff * k / 2^precision), computed once for all tests. */
function kaiserBestWindow(): Float64Array {
  if (baseWindow) return baseWindow;
  const { numZeros, precision, rolloff, beta } = KAISER_BEST;
  const numTable = 2 ** precision;
  const n = numZeros * numTable;
  const i0 = (v: number) => {
    let sum = 1;
    let term = 1;
    for (let k = 1; term > 1e-18 * sum; k++) {
      term *= (v * v) / 4 / (k * k);
      sum += term;
    }
    return sum;
  };
  baseWindow = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const s = rolloff * (i / numTable);
    const sinc = s === 0 ? 1 : Math.sin(Math.PI * s) / (Math.PI * s);
    baseWindow[i] = (i0(beta * Math.sqrt(1 - (i / n) ** 2)) / i0(beta)) * rolloff * sinc;
  }
  return baseWindow;
}

function referenceResample(x: Float32Array, fromRate: number, toRate: number): Float64Array {
  const numTable = 2 ** KAISER_BEST.precision;
  const n = KAISER_BEST.numZeros * numTable;
  const ratio = toRate / fromRate;
  const win = kaiserBestWindow().map((w) => (ratio < 1 ? ratio * w : w));
  const delta = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) delta[i] = win[i + 1] - win[i];
  const scale = Math.min(1, ratio);
  const step = Math.trunc(scale * numTable);
  const nOut = Math.trunc((x.length * toRate) / fromRate);
  const y = new Float64Array(Math.ceil(x.length * ratio));
  for (let t = 0; t < nOut; t++) {
    const time = t * (1 / ratio);
    const m = Math.trunc(time);
    let frac = scale * (time - m);
    let indexFrac = frac * numTable;
    let offset = Math.trunc(indexFrac);
    let eta = indexFrac - offset;
    const iMax = Math.min(m + 1, Math.floor((n + 1 - offset) / step));
    for (let i = 0; i < iMax; i++) y[t] += (win[offset + i * step] + eta * delta[offset + i * step]) * x[m - i];
    frac = scale - frac;
    indexFrac = frac * numTable;
    offset = Math.trunc(indexFrac);
    eta = indexFrac - offset;
    const kMax = Math.min(x.length - m - 1, Math.floor((n + 1 - offset) / step));
    for (let k = 0; k < kMax; k++) y[t] += (win[offset + k * step] + eta * delta[offset + k * step]) * x[m + k + 1];
  }
  return y;
}

function noise(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

describe('resample', () => {
  test.each([
    [44100, 22050],
    [48000, 22050],
    [96000, 22050],
    [8000, 22050],
    [22050, 44100],
    [44101, 22050], // 22050 phases: taps computed per output instead of tabulated
  ])('%i → %i equals a literal transcription of resampy’s loop', (fromRate, toRate) => {
    const x = noise(Math.round(fromRate / 100), fromRate);
    const got = resample(x, { fromRate, toRate });
    const want = referenceResample(x, fromRate, toRate);
    expect(got.length).toBe(want.length);
    let maxAbs = 0;
    for (let i = 0; i < want.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
    // float32 output rounding (~3e-8 at these amplitudes) dominates.
    expect(maxAbs).toBeLessThan(1e-7);
  });

  test('the WebAssembly SIMD and scalar JS engines agree', () => {
    for (const fromRate of [44100, 48000, 16000]) {
      const x = noise(fromRate / 10, fromRate + 1);
      const simd = createResamplePlan({ fromRate, toRate: 22050 });
      const js = createResamplePlan({ fromRate, toRate: 22050, engine: 'js' });
      expect(simd.simd).not.toBeNull();
      expect(js.simd).toBeNull();
      const length = resampledLength(x.length, fromRate, 22050);
      const [a, b] = [simd, js].map((plan) => {
        const out = new Float32Array(length);
        renderResampled({ plan, x, xStart: 0, inputLength: x.length, tFrom: 0, tTo: length, out, outOffset: 0 });
        return out;
      });
      let maxAbs = 0;
      for (let i = 0; i < length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
      expect(maxAbs).toBeLessThanOrEqual(6e-8); // summation order only: at most an ulp or two of the float32 output
    }
  });

  test('long signals (several SIMD blocks of runs) and any output range render as the scalar engine does', () => {
    for (const fromRate of [44100, 48000]) {
      const x = noise(Math.round(fromRate * 7.3), fromRate + 7);
      const simd = createResamplePlan({ fromRate, toRate: 22050 });
      const js = createResamplePlan({ fromRate, toRate: 22050, engine: 'js' });
      const length = resampledLength(x.length, fromRate, 22050);
      const render = (plan: typeof simd, tFrom: number, tTo: number) => {
        const out = new Float32Array(tTo - tFrom);
        renderResampled({ plan, x, xStart: 0, inputLength: x.length, tFrom, tTo, out, outOffset: 0 });
        return out;
      };
      const whole = render(simd, 0, length);
      const scalar = render(js, 0, length);
      let maxAbs = 0;
      for (let i = 0; i < length; i++) maxAbs = Math.max(maxAbs, Math.abs(whole[i] - scalar[i]));
      expect(maxAbs).toBeLessThanOrEqual(6e-8);
      // Ranges starting inside the edge region, across a block boundary, and ending at the last output.
      for (const [a, b] of [[3, 70001], [65530, 131100], [length - 5000, length]]) {
        expect(render(simd, a, b)).toEqual(whole.subarray(a, b));
      }
    }
  });

  test('a 441 Hz sine resampled from 48 kHz matches the analytic sine away from the edges', () => {
    const x = Float32Array.from({ length: 48000 }, (_, i) => Math.sin((2 * Math.PI * 441 * i) / 48000));
    const y = resample(x, { fromRate: 48000, toRate: 22050 });
    expect(y.length).toBe(22050);
    let maxErr = 0;
    for (let t = 200; t < y.length - 200; t++) maxErr = Math.max(maxErr, Math.abs(y[t] - Math.sin((2 * Math.PI * 441 * t) / 22050)));
    expect(maxErr).toBeLessThan(1e-4);
  });

  test('output length is librosa’s ceil(n * sr_new / sr_orig), zero-padded past resampy’s int(n * sr_new / sr_orig)', () => {
    for (const [n, from] of [[1, 44100], [3, 48000], [1001, 96000], [7, 8000], [48001, 48000]]) {
      const y = resample(noise(n, n), { fromRate: from, toRate: 22050 });
      expect(y.length).toBe(Math.ceil(n * (22050 / from)));
      expect(resampledLength(n, from, 22050)).toBe(y.length);
    }
    // 1 sample at 44.1 kHz: resampy makes 0 samples, librosa pads to 1.
    expect(Array.from(resample(Float32Array.of(0.5), { fromRate: 44100, toRate: 22050 }))).toEqual([0]);
  });

  test('equal rates return an untouched copy', () => {
    const x = noise(100, 3);
    const y = resample(x, { fromRate: 22050, toRate: 22050 });
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });

  test('empty input gives empty output', () => {
    expect(resample(new Float32Array(0), { fromRate: 48000, toRate: 22050 }).length).toBe(0);
  });

  test('programming errors are TypeErrors', () => {
    expect(() => resample(new Float32Array(4), { fromRate: 0, toRate: 22050 })).toThrow(TypeError);
    expect(() => resample(new Float32Array(4), { fromRate: 44100.5, toRate: 22050 })).toThrow(TypeError);
    expect(() => resample([1, 2] as unknown as Float32Array, { fromRate: 44100, toRate: 22050 })).toThrow(TypeError);
  });

  test('the plan tabulates one set of taps per phase for common rates', () => {
    const twoToOne = createResamplePlan({ fromRate: 44100, toRate: 22050 });
    expect(twoToOne.up).toBe(1);
    expect(twoToOne.down).toBe(2);
    expect(twoToOne.taps).not.toBeNull();
    const fortyEight = createResamplePlan({ fromRate: 48000, toRate: 22050 });
    expect([fortyEight.up, fortyEight.down]).toEqual([147, 320]);
    expect(fortyEight.maxLeft + fortyEight.maxRight).toBeLessThan(230);
  });
});
