/**
 * Building blocks of the detector's onset detection function, a SuperFlux-style log-filtered spectral flux
 * (Böck & Widmer 2013) made independent of the take's level:
 * - STFT frames (periodic Hann, 1024 samples, hop 256 at 22050 Hz ≈ 86 frames/s) → magnitudes;
 * - a log-spaced triangular filterbank (24 bands/octave, 40 Hz–10 kHz) so each partial has its own band;
 * - dB per band above a floor = max(block peak − dynamic range, band noise level + margin), where the noise
 *   level is a low percentile of the band over a block of frames: the take's absolute level cancels out,
 *   and steady noise or hum never counts as a rise;
 * - rise against the max over ±1 band of the frame `lag` frames earlier (vibrato/bends are not rises),
 *   half-wave rectified and averaged over bands: the "mean dB rise" of a frame.
 */
import { RealFftPlan, FftScratch } from '../features/fft';
import { periodicHann } from '../features/spectrogram';
import { BandKernel } from './band-kernel';

export interface FluxOptions {
  sampleRate: number;
  frameSize: number;
  hopLength: number;
  bandsPerOctave: number;
  fMin: number;
  fMax: number;
  /** dB below the block's loudest band level treated as silence. */
  dynamicRangeDb: number;
  /** Percentile (0..1) of each band's level over a block used as its noise level. */
  noisePercentile: number;
  /** dB above the band's noise level before rises count. */
  noiseMarginDb: number;
  /** Frames between compared spectra. */
  lag: number;
  /** Width (bands) of the max filter over frequency applied to the earlier frame. */
  maxFilterBands: number;
  /** Extra earlier frames in the rise's reference (0 = SuperFlux: only frame t − lag). */
  refFrames: number;
  /** Rises below this many dB per band are noise jitter and do not count (the excess above it does). */
  minBandRiseDb: number;
  /** dB per frame the reference is lowered per frame of distance (the decay a note may show). */
  decayDbPerFrame: number;
  /** Frames per block of floor statistics (≈ 10 s): bounds the detector's latency and memory. */
  blockFrames: number;
  /** 'auto': the WebAssembly SIMD band kernel where available (band-kernel.ts); 'js': always the JS transform. */
  fft: 'auto' | 'js';
}

export const FLUX_DEFAULTS: Omit<FluxOptions, 'sampleRate'> = {
  frameSize: 1024,
  hopLength: 256,
  bandsPerOctave: 24,
  fMin: 40,
  fMax: 10000,
  dynamicRangeDb: 70,
  noisePercentile: 0.1,
  noiseMarginDb: 6,
  lag: 2,
  maxFilterBands: 3,
  refFrames: 8,
  decayDbPerFrame: 1,
  minBandRiseDb: 3,
  blockFrames: 861,
  fft: 'auto',
};

export interface Filterbank {
  /** First STFT bin of each band. */
  start: Int32Array;
  /** Triangular weights per band, normalised to sum 1. */
  weights: Float32Array[];
}

export function logFilterbank(o: Pick<FluxOptions, 'sampleRate' | 'frameSize' | 'bandsPerOctave' | 'fMin' | 'fMax'>): Filterbank {
  const binHz = o.sampleRate / o.frameSize;
  const nBins = o.frameSize / 2 + 1;
  const centres: number[] = [];
  for (let f = o.fMin; f <= Math.min(o.fMax, o.sampleRate / 2); f *= 2 ** (1 / o.bandsPerOctave)) {
    const bin = Math.round(f / binHz);
    // Low bands narrower than a bin collapse into one (the madmom "unique filters" rule).
    if (centres.length === 0 || bin > centres[centres.length - 1]) centres.push(bin);
  }
  const start: number[] = [];
  const weights: Float32Array[] = [];
  for (let i = 1; i + 1 < centres.length; i++) {
    const lo = centres[i - 1];
    const c = centres[i];
    const hi = Math.min(centres[i + 1], nBins - 1);
    const w = new Float32Array(hi - lo + 1);
    let sum = 0;
    for (let b = lo; b <= hi; b++) {
      const v = b <= c ? (b - lo + 1) / (c - lo + 1) : (hi - b + 1) / (hi - c + 1);
      w[b - lo] = v;
      sum += v;
    }
    for (let k = 0; k < w.length; k++) w[k] /= sum;
    start.push(lo);
    weights.push(w);
  }
  if (weights.length < 3) throw new TypeError(`onset filterbank: too few bands (${weights.length}) for the given range and frame size`);
  return { start: Int32Array.from(start), weights };
}

/** Computes band magnitudes of frames; reuses its buffers (one per tracker, never shared). */
export class BandAnalyzer {
  readonly bands: number;
  private readonly fft: RealFftPlan;
  private readonly fftScratch: FftScratch;
  private readonly window: Float64Array;
  private readonly frame: Float64Array;
  private readonly power: Float64Array;
  private readonly fb: Filterbank;
  private readonly kernel: BandKernel | null;

  constructor(o: Pick<FluxOptions, 'sampleRate' | 'frameSize' | 'bandsPerOctave' | 'fMin' | 'fMax'> & { fft?: 'auto' | 'js' }) {
    this.fb = logFilterbank(o);
    this.bands = this.fb.weights.length;
    this.fft = new RealFftPlan(o.frameSize);
    this.fftScratch = this.fft.createScratch();
    this.window = periodicHann(o.frameSize);
    this.frame = new Float64Array(o.frameSize);
    this.power = new Float64Array(o.frameSize / 2 + 1);
    this.kernel = o.fft === 'js' ? null : BandKernel.create(o.frameSize, this.window, this.fb);
  }

  /** True when frames inside the signal go through the WebAssembly kernel. */
  get usesWasm(): boolean {
    return this.kernel !== null;
  }

  /**
   * Band magnitudes of `count` frames, frame t starting at take sample firstStart + t * hop, into
   * out[outOffset + t * bands + b]; `source` as for analyze(). Runs of frames inside the signal go to the kernel.
   */
  analyzeFrames(source: Float32Array, sourceStart: number, validLength: number, firstStart: number, hop: number, count: number, out: Float32Array, outOffset: number): void {
    const n = this.frame.length;
    let t = 0;
    while (t < count) {
      const offset = firstStart + t * hop - sourceStart;
      if (this.kernel !== null && offset >= 0 && offset + n <= validLength) {
        const run = Math.min(count - t, Math.floor((validLength - n - offset) / hop) + 1);
        this.kernel.bandFrames(source, offset, hop, run, out, outOffset + t * this.bands);
        t += run;
      } else {
        this.analyze(source, sourceStart, validLength, firstStart + t * hop, out, outOffset + t * this.bands);
        t++;
      }
    }
  }

  /**
   * Band magnitudes of the frame whose first sample is take sample `frameStart`, reading from `source`
   * which holds take samples [sourceStart, sourceStart + validLength); everything else is zero.
   */
  analyze(source: Float32Array, sourceStart: number, validLength: number, frameStart: number, out: Float32Array, outOffset: number): void {
    const { frame, window, power, fb } = this;
    const n = frame.length;
    const offset = frameStart - sourceStart;
    if (offset >= 0 && offset + n <= validLength) {
      this.fft.powerSpectrumWindowed(source, offset, window, power, this.fftScratch);
    } else {
      for (let i = 0; i < n; i++) {
        const s = offset + i;
        frame[i] = s >= 0 && s < validLength ? source[s] * window[i] : 0;
      }
      this.fft.powerSpectrum(frame, power, this.fftScratch);
    }
    for (let k = 0; k < power.length; k++) power[k] = Math.sqrt(power[k]);
    for (let b = 0; b < this.bands; b++) {
      const w = fb.weights[b];
      const s0 = fb.start[b];
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k] * power[s0 + k];
      out[outOffset + b] = acc;
    }
  }
}

/** The k-th smallest of a[0..n) (Hoare's quickselect; reorders `a`). */
function selectKth(a: Float32Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Per-band floors (linear magnitude) of a block of frames [frames x bands]. */
export function blockFloors(mags: Float32Array, frames: number, bands: number, o: Pick<FluxOptions, 'dynamicRangeDb' | 'noisePercentile' | 'noiseMarginDb'>): Float64Array {
  let peak = 0;
  for (let i = 0; i < frames * bands; i++) if (mags[i] > peak) peak = mags[i];
  const globalFloor = Math.max(peak * 10 ** (-o.dynamicRangeDb / 20), 1e-9);
  const margin = 10 ** (o.noiseMarginDb / 20);
  const floors = new Float64Array(bands);
  const column = new Float32Array(frames);
  const q = Math.min(frames - 1, Math.max(0, Math.floor(o.noisePercentile * (frames - 1))));
  for (let b = 0; b < bands; b++) {
    for (let t = 0; t < frames; t++) column[t] = mags[t * bands + b];
    floors[b] = Math.max(globalFloor, margin * selectKth(column, frames, q));
  }
  return floors;
}

const DB20_PER_NEPER = 20 / Math.LN10;

/** Converts band magnitudes [frames x bands] to dB above the per-band floors (0 at or below the floor). */
export function levelsAboveFloor(mags: Float32Array, frames: number, floors: Float64Array, out: Float32Array): void {
  const bands = floors.length;
  for (let t = 0; t < frames; t++) {
    const row = t * bands;
    for (let b = 0; b < bands; b++) {
      const v = mags[row + b];
      // 20·log10 as (20/ln 10)·ln: V8's Math.log is about twice as fast as Math.log10.
      out[row + b] = v > floors[b] ? DB20_PER_NEPER * Math.log(v / floors[b]) : 0;
    }
  }
}

/**
 * Mean over bands of how far frame `t`'s level rises above `ref` (the reference level per band, maximum over
 * ±(maxFilterBands/2) neighbouring bands) by more than minBandRiseDb: the last step of both rise computations.
 */
function riseOverReference(levels: Float32Array, t: number, bands: number, ref: Float64Array, o: Pick<FluxOptions, 'maxFilterBands' | 'minBandRiseDb'>): number {
  const half = Math.floor(o.maxFilterBands / 2);
  const row = t * bands;
  let acc = 0;
  for (let b = 0; b < bands; b++) {
    const level = levels[row + b];
    if (level <= 0) continue;
    let m = 0;
    const lo = b > half ? b - half : 0;
    const hi = b + half < bands - 1 ? b + half : bands - 1;
    for (let k = lo; k <= hi; k++) if (ref[k] > m) m = ref[k];
    if (level > m + o.minBandRiseDb) acc += level - m - o.minBandRiseDb;
  }
  return acc / bands;
}

/**
 * Mean dB rise of frame `t` of `levels` [frames x bands]: each band's level minus a reference, the maximum over
 * ±(maxFilterBands/2) bands and over frames t−lag … t−lag−refFrames of the level lowered by `decayDbPerFrame`
 * per frame of distance. The decayed maximum means a room echo or beat of a note that just sounded (lower than
 * the note itself) is not a new rise, while a new note rises above what the band was doing.
 */
export function meanDbRise(levels: Float32Array, t: number, bands: number, o: Pick<FluxOptions, 'lag' | 'maxFilterBands' | 'refFrames' | 'decayDbPerFrame' | 'minBandRiseDb'>, ref: Float64Array): number {
  ref.fill(0);
  const first = t - o.lag;
  const last = Math.max(0, t - o.lag - o.refFrames);
  for (let k = first; k >= last; k--) {
    const allowance = (first - k) * o.decayDbPerFrame;
    const row = k * bands;
    for (let b = 0; b < bands; b++) {
      const v = levels[row + b] - allowance;
      if (v > ref[b]) ref[b] = v;
    }
  }
  return riseOverReference(levels, t, bands, ref, o);
}

/**
 * For every frame k of `levels` [frames x bands]: out[k * bands + b] = max over j in [max(0, k − refFrames), k] of
 * levels[j][b] + j · decayDbPerFrame (van Herk / Gil-Werman: three operations per value whatever the window).
 * meanDbRiseFromWindowMax() turns it into meanDbRise()'s reference: the decayed maximum ending `lag` frames before t
 * is out[t − lag] − (t − lag) · decay. With an integer decay (the default 1 dB) every step is exact in float64, so
 * the result is identical to meanDbRise; `prefix` and `out` must hold frames * bands values.
 */
export function decayedWindowMax(levels: Float32Array, frames: number, bands: number, o: Pick<FluxOptions, 'refFrames' | 'decayDbPerFrame'>, prefix: Float64Array, out: Float64Array): void {
  const size = o.refFrames + 1;
  const decay = o.decayDbPerFrame;
  // prefix: running max from the start of each block of `size` frames; out (first as scratch): running max to its end.
  for (let blockStart = 0; blockStart < frames; blockStart += size) {
    const blockEnd = Math.min(frames, blockStart + size);
    for (let k = blockStart; k < blockEnd; k++) {
      const row = k * bands;
      const shift = k * decay;
      if (k === blockStart) {
        for (let b = 0; b < bands; b++) prefix[row + b] = levels[row + b] + shift;
      } else {
        const prev = row - bands;
        for (let b = 0; b < bands; b++) {
          const g = levels[row + b] + shift;
          prefix[row + b] = g > prefix[prev + b] ? g : prefix[prev + b];
        }
      }
    }
    for (let k = blockEnd - 1; k >= blockStart; k--) {
      const row = k * bands;
      const shift = k * decay;
      if (k === blockEnd - 1) {
        for (let b = 0; b < bands; b++) out[row + b] = levels[row + b] + shift;
      } else {
        const next = row + bands;
        for (let b = 0; b < bands; b++) {
          const g = levels[row + b] + shift;
          out[row + b] = g > out[next + b] ? g : out[next + b];
        }
      }
    }
  }
  // Window [k − size + 1, k]: the suffix max from its first frame (same or previous block) and the prefix max to k.
  // Walk down so that out[] still holds suffix maxima where they are read (index k − size + 1 < k).
  for (let k = frames - 1; k >= 0; k--) {
    const row = k * bands;
    const first = k - size + 1;
    if (first < 0) {
      for (let b = 0; b < bands; b++) out[row + b] = prefix[row + b];
    } else if (first % size === 0) {
      // The window is exactly one block: its suffix max from `first` covers it.
      const f = first * bands;
      for (let b = 0; b < bands; b++) out[row + b] = out[f + b];
    } else {
      const f = first * bands;
      for (let b = 0; b < bands; b++) out[row + b] = out[f + b] > prefix[row + b] ? out[f + b] : prefix[row + b];
    }
  }
}

/** meanDbRise(levels, t, ...) from decayedWindowMax's output `windowMax` (same value; `lag` may differ from o.lag). */
export function meanDbRiseFromWindowMax(levels: Float32Array, windowMax: Float64Array, t: number, bands: number, lag: number, o: Pick<FluxOptions, 'maxFilterBands' | 'decayDbPerFrame' | 'minBandRiseDb'>, ref: Float64Array): number {
  const first = t - lag;
  const base = first * o.decayDbPerFrame;
  const wrow = first * bands;
  for (let b = 0; b < bands; b++) {
    const v = windowMax[wrow + b] - base;
    ref[b] = v > 0 ? v : 0;
  }
  return riseOverReference(levels, t, bands, ref, o);
}
