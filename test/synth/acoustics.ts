/**
 * Measurement helpers for the synthesiser tests: our own, deliberately simple estimators
 * (envelope decay, high-frequency energy share, autocorrelation pitch, DFT pitch scan).
 */
import { SAMPLE_RATE } from '../../shared/constants';
import { rmsFrames } from '../../shared/synth/signature';

const SR = SAMPLE_RATE;

/** RMS envelope in 10 ms frames from `start` (the signature module's, so tests and signatures agree). */
export function envelope(x: Float32Array, start: number): Float64Array {
  return rmsFrames(x, start, SR);
}

/** Seconds from `start` until the envelope last exceeds (peak - dropDb). */
export function decaySeconds(x: Float32Array, start: number, dropDb = 40): number {
  const env = envelope(x, start);
  let peak = 0;
  for (const v of env) peak = Math.max(peak, v);
  const threshold = peak * Math.pow(10, -dropDb / 20);
  let last = 0;
  for (let f = 0; f < env.length; f++) if (env[f] > threshold) last = f;
  return ((last + 1) * 0.01 * SR) / SR;
}

/** Share of energy above ~`cutoffHz` (three cascaded one-pole high-passes) in [start, end), dB. */
export function highFrequencyShareDb(x: Float32Array, start: number, end: number, cutoffHz = 2500): number {
  const a = Math.exp((-2 * Math.PI * cutoffHz) / SR);
  let x1 = 0, y1 = 0, x2 = 0, y2 = 0, x3 = 0, y3 = 0, hi = 0, total = 0;
  for (let i = start; i < end; i++) {
    const v = x[i];
    const h1 = a * (y1 + v - x1); x1 = v; y1 = h1;
    const h2 = a * (y2 + h1 - x2); x2 = h1; y2 = h2;
    const h3 = a * (y3 + h2 - x3); x3 = h2; y3 = h3;
    hi += h3 * h3;
    total += v * v;
  }
  return 10 * Math.log10(hi / total);
}

/**
 * Pitch by normalised autocorrelation over [start, start+length): the first lag whose correlation reaches
 * 90% of the best in the 70-1400 Hz range, refined by parabolic interpolation. Returns { hz, clarity }.
 */
export function autocorrelationPitch(x: Float32Array, start: number, length: number): { hz: number; clarity: number } {
  const seg = x.subarray(start, start + length);
  const minLag = Math.floor(SR / 1400), maxLag = Math.ceil(SR / 70);
  let energy = 0;
  for (let i = 0; i < seg.length; i++) energy += seg[i] * seg[i];
  const r = new Float64Array(maxLag + 2);
  for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
    let s = 0;
    for (let i = 0; i + lag < seg.length; i++) s += seg[i] * seg[i + lag];
    r[lag] = s / (energy || 1);
  }
  let best = 0;
  for (let lag = minLag; lag <= maxLag; lag++) best = Math.max(best, r[lag]);
  let lag = minLag;
  for (let l = minLag; l <= maxLag; l++) {
    if (r[l] >= 0.9 * best && r[l] >= r[l - 1] && r[l] >= r[l + 1]) {
      lag = l;
      break;
    }
  }
  const a = r[lag - 1], b = r[lag], c = r[lag + 1];
  const denom = a - 2 * b + c;
  const shift = denom !== 0 ? (0.5 * (a - c)) / denom : 0;
  return { hz: SR / (lag + shift), clarity: best };
}

/** Magnitude of a Hann-windowed DFT bin at `hz` over [start, start+length) (rotating phasor, no trig per sample). */
export function dftMagnitude(x: Float32Array, start: number, length: number, hz: number): number {
  const w = (2 * Math.PI * hz) / SR;
  const cw = Math.cos(w), sw = Math.sin(w);
  const hw = (2 * Math.PI) / length, ch = Math.cos(hw), sh = Math.sin(hw);
  let re = 0, im = 0, pr = 1, pi = 0, hr = 1, hi = 0;
  for (let i = 0; i < length; i++) {
    const v = (0.5 - 0.5 * hr) * x[start + i];
    re += v * pr;
    im -= v * pi;
    const npr = pr * cw - pi * sw; pi = pr * sw + pi * cw; pr = npr;
    const nhr = hr * ch - hi * sh; hi = hr * sh + hi * ch; hr = nhr;
  }
  return Math.hypot(re, im);
}

/** The frequency offset (cents relative to `hz`, within ±range) with the strongest DFT magnitude, to 0.5 cent. */
export function pitchOffsetCents(x: Float32Array, start: number, length: number, hz: number, range = 50): number {
  const scan = (from: number, to: number, step: number) => {
    let best = -1, bestCents = from;
    for (let c = from; c <= to + 1e-9; c += step) {
      const m = dftMagnitude(x, start, length, hz * Math.pow(2, c / 1200));
      if (m > best) {
        best = m;
        bestCents = c;
      }
    }
    return bestCents;
  };
  const coarse = scan(-range, range, 4);
  return scan(coarse - 4, coarse + 4, 0.5);
}

export function cents(hz: number, ref: number): number {
  return 1200 * Math.log2(hz / ref);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
}
