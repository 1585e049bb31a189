/**
 * Per-frame timbre descriptors from meyda (RMS, zero-crossing rate, spectral centroid, spectral flatness) and
 * their per-segment summaries, for the per-note report and diagnostics. These are descriptors for people;
 * the model's input is `comprehensiveMfcc` (librosa-compatible), never meyda's MFCC.
 *
 * meyda is configured through fields of its default export (bufferSize, sampleRate, windowingFunction);
 * every call here sets them, extracts synchronously, and restores the previous values.
 */
import Meyda from 'meyda';
import { SAMPLE_RATE } from '../constants';
import { assertFiniteSignal } from './comprehensive';

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

/** Runs `fn` with meyda configured as given, restoring meyda's previous settings afterwards. */
function withMeyda<T>(settings: { bufferSize: number; sampleRate: number; windowingFunction: string }, fn: () => T): T {
  const saved = { bufferSize: Meyda.bufferSize, sampleRate: Meyda.sampleRate, windowingFunction: Meyda.windowingFunction };
  Object.assign(Meyda, settings);
  try {
    return fn();
  } finally {
    Object.assign(Meyda, saved);
  }
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
  withMeyda({ bufferSize: frameSize, sampleRate, windowingFunction: 'hanning' }, () => {
    for (let t = 0; t < frames; t++) {
      if (out.rms[t] < silenceRms || out.rms[t] === 0) continue; // silent: 0/0 in meyda; report 0
      const f = Meyda.extract(['spectralCentroid', 'spectralFlatness'], frameAt(t));
      const centroid = f?.spectralCentroid ?? 0;
      const flatness = f?.spectralFlatness ?? 0;
      out.spectralCentroid[t] = Number.isFinite(centroid) ? centroid * hzPerBin : 0;
      out.spectralFlatness[t] = Number.isFinite(flatness) ? flatness : 0;
    }
  });
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
