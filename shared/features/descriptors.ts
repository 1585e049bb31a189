/**
 * Per-frame timbre descriptors with meyda's definitions (RMS, zero-crossing rate, spectral centroid, spectral
 * flatness) and their per-segment summaries, for the per-note report and diagnostics. These are descriptors for
 * people; the model's input is `comprehensiveMfcc` (librosa-compatible), never meyda's MFCC.
 *
 * RMS and ZCR are meyda's own extractors. Centroid and flatness are meyda's formulas on meyda's amplitude
 * spectrum (its float32 'hanning' window, bins 0 .. N/2 - 1, float32 amplitudes), computed by this project's
 * WebAssembly FFT: meyda's JS FFT was a tenth of a cold report's main thread. Tests hold them to Meyda.extract.
 */
import Meyda from 'meyda';
import { SAMPLE_RATE } from '../constants';
import { assertFiniteSignal } from './comprehensive';
import { FftScratch, RealFftPlan } from './fft';
import { WasmPowerSpectrum, wasmFftTables } from './wasm-fft';

export interface DescriptorOptions {
  /** Default SAMPLE_RATE. */
  sampleRate?: number;
  /** Analysis frame (power of two). Default 2048 (~93 ms at 22050 Hz). */
  frameSize?: number;
  /** Default 512. */
  hopSize?: number;
  /**
   * Frames whose RMS is below this (default 1e-4, -80 dBFS) count as silent: their spectral centroid and
   * flatness are 0 and they are left out of the spectral means.
   */
  silenceRms?: number;
}

export interface FrameDescriptors {
  sampleRate: number;
  frameSize: number;
  hopSize: number;
  frames: number;
  /** Root mean square of the raw (unwindowed) frame. */
  rms: Float32Array;
  /** Sign changes per sample (meyda counts them per frame; divided by frameSize - 1). */
  zcr: Float32Array;
  /** Amplitude-weighted mean frequency of the Hann-windowed frame, in Hz (meyda gives a bin index). */
  spectralCentroid: Float32Array;
  /** Geometric / arithmetic mean of the Hann-windowed amplitude spectrum, 0 (tonal) .. 1 (white noise). */
  spectralFlatness: Float32Array;
}

export interface DescriptorSummary {
  mean: number;
  max: number;
}

export interface SegmentDescriptors {
  frames: number;
  rms: DescriptorSummary;
  zcr: DescriptorSummary;
  spectralCentroid: DescriptorSummary;
  spectralFlatness: DescriptorSummary;
}

interface Resolved {
  sampleRate: number;
  frameSize: number;
  hopSize: number;
  silenceRms: number;
}

function resolve(options: DescriptorOptions = {}): Resolved {
  const sampleRate = options.sampleRate ?? SAMPLE_RATE;
  const frameSize = options.frameSize ?? 2048;
  const hopSize = options.hopSize ?? 512;
  const silenceRms = options.silenceRms ?? 1e-4;
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new TypeError(`descriptors: sampleRate must be > 0, got ${sampleRate}`);
  if (!Number.isInteger(frameSize) || frameSize < 16 || (frameSize & (frameSize - 1)) !== 0) {
    throw new TypeError(`descriptors: frameSize must be a power of two >= 16 (meyda's requirement), got ${frameSize}`);
  }
  if (!Number.isInteger(hopSize) || hopSize < 1) throw new TypeError(`descriptors: hopSize must be a positive integer, got ${hopSize}`);
  if (!(silenceRms >= 0)) throw new TypeError(`descriptors: silenceRms must be >= 0, got ${silenceRms}`);
  return { sampleRate, frameSize, hopSize, silenceRms };
}

/** meyda's 'hanning' window: symmetric (N - 1 in the cosine), stored as float32. */
export function meydaHanning(size: number): Float64Array {
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (size - 1));
  return Float64Array.from(w);
}

/** The power spectrum of meyda-windowed frames of one size: the WebAssembly kernel, or the JS FFT without SIMD. */
class HannPowerSpectrum {
  private readonly kernel: WasmPowerSpectrum | null;
  private readonly window: Float64Array;
  private readonly js: { plan: RealFftPlan; scratch: FftScratch; frame: Float64Array; out: Float64Array } | null = null;

  constructor(size: number) {
    this.window = meydaHanning(size);
    const tables = wasmFftTables(size, this.window);
    this.kernel = tables === null ? null : WasmPowerSpectrum.create(tables);
    if (this.kernel === null) {
      const plan = new RealFftPlan(size);
      this.js = { plan, scratch: plan.createScratch(), frame: new Float64Array(size), out: new Float64Array(plan.bins) };
    }
  }

  /** |FFT(frame * window)|^2, bins 0..N/2, as a view that the next call overwrites. */
  of(frame: Float32Array): Float64Array {
    if (this.kernel !== null) {
      this.kernel.frame.set(frame);
      return this.kernel.powerOfFrame();
    }
    const { plan, scratch, frame: windowed, out } = this.js!;
    for (let i = 0; i < windowed.length; i++) windowed[i] = frame[i] * this.window[i];
    plan.powerSpectrum(windowed, out, scratch);
    return out;
  }
}

/** One per frame size, reused: a cache (users are synchronous and the kernel keeps no state between calls). */
const hannSpectra = new Map<number, HannPowerSpectrum>();

/**
 * meyda's spectralCentroid (a bin index) and spectralFlatness of one frame (length a power of two), from its
 * amplitude spectrum: bins 0 .. N/2 - 1, float32. A frame with a zero bin has flatness 0, as in meyda.
 */
export function spectralShapeOfFrame(frame: Float32Array): { centroidBin: number; flatness: number } {
  const size = frame.length;
  let spectrum = hannSpectra.get(size);
  if (!spectrum) {
    spectrum = new HannPowerSpectrum(size);
    hannSpectra.set(size, spectrum);
  }
  const power = spectrum.of(frame);
  const n = size / 2;
  let weighted = 0;
  let sum = 0;
  let logSum = 0;
  for (let k = 0; k < n; k++) {
    const amp = Math.fround(Math.sqrt(power[k]));
    weighted += k * amp;
    sum += amp;
    logSum += Math.log(amp);
  }
  return { centroidBin: weighted / sum, flatness: (Math.exp(logSum / n) * n) / sum };
}

/** Number of frames: every full frame starting at a multiple of hopSize; one zero-padded frame if y is shorter. */
export function descriptorFrameCount(length: number, frameSize: number, hopSize: number): number {
  return length <= frameSize ? 1 : 1 + Math.floor((length - frameSize) / hopSize);
}

/** meyda descriptors of every frame of `y` (mono). */
export function frameDescriptors(y: Float32Array, options?: DescriptorOptions): FrameDescriptors {
  if (!(y instanceof Float32Array)) throw new TypeError('frameDescriptors: y must be a Float32Array');
  const { sampleRate, frameSize, hopSize, silenceRms } = resolve(options);
  assertFiniteSignal(y, 'segment');
  const frames = descriptorFrameCount(y.length, frameSize, hopSize);
  const out: FrameDescriptors = {
    sampleRate,
    frameSize,
    hopSize,
    frames,
    rms: new Float32Array(frames),
    zcr: new Float32Array(frames),
    spectralCentroid: new Float32Array(frames),
    spectralFlatness: new Float32Array(frames),
  };
  const frameAt = (t: number): Float32Array => {
    if (y.length >= frameSize) return y.subarray(t * hopSize, t * hopSize + frameSize);
    const padded = new Float32Array(frameSize);
    padded.set(y);
    return padded;
  };
  // RMS and ZCR describe the raw waveform. Meyda.extract would compute them on its Hann-windowed buffer (and pay
  // for an FFT), so call meyda's own time-domain extractors on the raw frame instead.
  const extractors = Meyda.featureExtractors as Record<'rms' | 'zcr', (args: { signal: Float32Array }) => number>;
  for (let t = 0; t < frames; t++) {
    const frame = frameAt(t);
    out.rms[t] = extractors.rms({ signal: frame });
    out.zcr[t] = extractors.zcr({ signal: frame }) / (frameSize - 1);
  }
  // Spectral shape from the Hann-windowed spectrum (less leakage); meyda's centroid is a bin index.
  const hzPerBin = sampleRate / frameSize;
  for (let t = 0; t < frames; t++) {
    if (out.rms[t] < silenceRms || out.rms[t] === 0) continue; // silent: 0/0 in meyda; report 0
    const { centroidBin, flatness } = spectralShapeOfFrame(frameAt(t));
    out.spectralCentroid[t] = Number.isFinite(centroidBin) ? centroidBin * hzPerBin : 0;
    out.spectralFlatness[t] = Number.isFinite(flatness) ? flatness : 0;
  }
  return out;
}

function summarize(values: Float32Array, include?: (t: number) => boolean): DescriptorSummary {
  let sum = 0;
  let count = 0;
  let max = 0;
  for (let t = 0; t < values.length; t++) {
    if (include && !include(t)) continue;
    sum += values[t];
    count++;
    if (values[t] > max) max = values[t];
  }
  return { mean: count > 0 ? sum / count : 0, max };
}

/**
 * Mean and max of each descriptor over a segment (e.g. one note: onset to next onset). RMS and ZCR average
 * all frames; centroid and flatness average the non-silent frames only (0 when all are silent).
 */
export function describeSegment(y: Float32Array, options?: DescriptorOptions): SegmentDescriptors {
  const { silenceRms } = resolve(options);
  const d = frameDescriptors(y, options);
  const voiced = (t: number) => d.rms[t] >= silenceRms && d.rms[t] > 0;
  return {
    frames: d.frames,
    rms: summarize(d.rms),
    zcr: summarize(d.zcr),
    spectralCentroid: summarize(d.spectralCentroid, voiced),
    spectralFlatness: summarize(d.spectralFlatness, voiced),
  };
}

/** Mean frame RMS of `y` (a steady sine of amplitude A gives A / sqrt(2)). */
export function rms(y: Float32Array, options?: DescriptorOptions): number {
  return summarize(frameDescriptors(y, options).rms).mean;
}

/** Mean zero-crossing rate of `y`, sign changes per sample (a sine of f Hz gives 2 f / sampleRate). */
export function zeroCrossingRate(y: Float32Array, options?: DescriptorOptions): number {
  return summarize(frameDescriptors(y, options).zcr).mean;
}

/** Mean spectral centroid of the non-silent frames of `y`, Hz. */
export function spectralCentroid(y: Float32Array, options?: DescriptorOptions): number {
  return describeSegment(y, options).spectralCentroid.mean;
}

/** Mean spectral flatness of the non-silent frames of `y`, 0..1. */
export function spectralFlatness(y: Float32Array, options?: DescriptorOptions): number {
  return describeSegment(y, options).spectralFlatness.mean;
}
