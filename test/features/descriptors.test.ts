import Meyda from 'meyda';
import { SAMPLE_RATE } from '../../shared/constants';
import { FeatureInputError } from '../../shared/features/errors';
import {
  describeSegment,
  descriptorFrameCount,
  frameDescriptors,
  rms,
  spectralShapeOfFrame,
  spectralCentroid,
  spectralFlatness,
  zeroCrossingRate,
} from '../../shared/features/descriptors';
import { Rng } from '../../shared/rng';

function sine(hz: number, amplitude: number, seconds: number, sampleRate = SAMPLE_RATE): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate));
}

function whiteNoise(seconds: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: Math.round(seconds * SAMPLE_RATE) }, () => 0.2 * rng.gaussian());
}

describe('meyda descriptors on known signals', () => {
  it('RMS of a sine is amplitude / sqrt(2)', () => {
    for (const amplitude of [0.05, 0.5, 0.9]) {
      expect(rms(sine(440, amplitude, 0.25))).toBeCloseTo(amplitude / Math.SQRT2, 3);
    }
  });

  it('spectral centroid of a pure tone is its frequency', () => {
    for (const hz of [220, 1000, 3000]) {
      expect(Math.abs(spectralCentroid(sine(hz, 0.5, 0.25)) - hz) / hz).toBeLessThan(0.03);
    }
  });

  it('zero-crossing rate of a sine is 2 f / sampleRate', () => {
    for (const hz of [110, 440, 2000]) {
      expect(zeroCrossingRate(sine(hz, 0.5, 0.25)) / ((2 * hz) / SAMPLE_RATE)).toBeCloseTo(1, 1);
    }
  });

  it('spectral flatness separates a tone (near 0) from white noise (near 0.85)', () => {
    expect(spectralFlatness(sine(440, 0.5, 0.25))).toBeLessThan(0.05);
    const noise = spectralFlatness(whiteNoise(0.25, 3));
    expect(noise).toBeGreaterThan(0.7);
    expect(noise).toBeLessThan(0.95);
    // White noise: centroid near the middle of the band.
    expect(spectralCentroid(whiteNoise(0.25, 4))).toBeGreaterThan(0.4 * (SAMPLE_RATE / 2));
  });

  it('silence gives zeros, never NaN', () => {
    const d = describeSegment(new Float32Array(SAMPLE_RATE));
    expect(d).toEqual({
      frames: descriptorFrameCount(SAMPLE_RATE, 2048, 512),
      rms: { mean: 0, max: 0 },
      zcr: { mean: 0, max: 0 },
      spectralCentroid: { mean: 0, max: 0 },
      spectralFlatness: { mean: 0, max: 0 },
    });
  });
});

describe('framing and segment summaries', () => {
  it('frames every hop; a short segment is one zero-padded frame', () => {
    expect(descriptorFrameCount(2048, 2048, 512)).toBe(1);
    expect(descriptorFrameCount(2048 + 512 * 3 + 100, 2048, 512)).toBe(4);
    const short = frameDescriptors(sine(440, 0.5, 0.02));
    expect(short.frames).toBe(1);
    expect(short.rms[0]).toBeGreaterThan(0);
  });

  it('mean follows a decaying note and max is its loudest frame; silent tails do not drag the centroid', () => {
    const note = sine(660, 0.8, 1);
    for (let i = 0; i < note.length; i++) note[i] *= Math.exp((-4 * i) / SAMPLE_RATE);
    const withTail = new Float32Array(note.length * 2);
    withTail.set(note);
    const d = describeSegment(withTail);
    expect(d.rms.max).toBeGreaterThan(d.rms.mean);
    expect(d.rms.max).toBeLessThanOrEqual(0.8 / Math.SQRT2 + 1e-3);
    expect(Math.abs(d.spectralCentroid.mean - 660) / 660).toBeLessThan(0.05);
    const frames = frameDescriptors(withTail);
    expect(frames.rms[0]).toBeGreaterThan(frames.rms[frames.frames - 1]);
  });

  it('honours sampleRate and frame options', () => {
    const y = sine(1000, 0.5, 0.5, 44100);
    expect(Math.abs(spectralCentroid(y, { sampleRate: 44100, frameSize: 4096, hopSize: 1024 }) - 1000)).toBeLessThan(30);
    expect(frameDescriptors(y, { sampleRate: 44100, frameSize: 1024, hopSize: 1024 }).frames).toBe(descriptorFrameCount(y.length, 1024, 1024));
  });

  it('rejects bad options and bad audio', () => {
    const y = sine(440, 0.5, 0.1);
    expect(() => frameDescriptors(y, { frameSize: 1000 })).toThrow(/power of two/);
    expect(() => frameDescriptors(y, { hopSize: 0 })).toThrow(/hopSize/);
    expect(() => frameDescriptors(y, { sampleRate: -1 })).toThrow(/sampleRate/);
    expect(() => frameDescriptors([0.1, 0.2] as unknown as Float32Array)).toThrow(TypeError);
    const bad = y.slice();
    bad[10] = Infinity;
    expect(() => frameDescriptors(bad)).toThrow(FeatureInputError);
  });
});

describe('spectral shape: meyda\'s values from this project\'s FFT', () => {
  /** Meyda.extract itself, configured as meyda documents (bufferSize = frame length, Hann window). */
  function meyda(frame: Float32Array): { centroidBin: number; flatness: number } {
    Object.assign(Meyda, { bufferSize: frame.length, sampleRate: SAMPLE_RATE, windowingFunction: 'hanning' });
    const f = Meyda.extract(['spectralCentroid', 'spectralFlatness'], frame) as { spectralCentroid: number; spectralFlatness: number };
    return { centroidBin: f.spectralCentroid, flatness: f.spectralFlatness };
  }

  const pluck = (size: number) => {
    const y = sine(196, 0.7, size / SAMPLE_RATE);
    const rng = new Rng(5);
    for (let i = 0; i < y.length; i++) y[i] = y[i] * Math.exp((-8 * i) / SAMPLE_RATE) + 0.01 * rng.gaussian();
    return y;
  };

  // 512 and 2048 run the WebAssembly kernel; 1024 and 4096 (sizes it does not take) the JS FFT.
  for (const size of [512, 1024, 2048, 4096]) {
    it(`matches Meyda.extract on tones, noise and a plucked note (${size}-sample frames)`, () => {
      const frames = [sine(220, 0.5, size / SAMPLE_RATE), sine(3001, 0.05, size / SAMPLE_RATE), whiteNoise(size / SAMPLE_RATE, 7), pluck(size)];
      for (const frame of frames) {
        const ours = spectralShapeOfFrame(frame);
        const theirs = meyda(frame);
        expect(Math.abs(ours.centroidBin - theirs.centroidBin)).toBeLessThan(1e-9 * theirs.centroidBin);
        expect(Math.abs(ours.flatness - theirs.flatness)).toBeLessThan(1e-6 * theirs.flatness);
      }
    });
  }

  it('frameDescriptors reports the centroid in Hz and the flatness of every non-silent frame as meyda does', () => {
    const y = pluck(2048 * 4);
    const d = frameDescriptors(y, { frameSize: 2048, hopSize: 2048 });
    for (let t = 0; t < d.frames; t++) {
      const theirs = meyda(y.subarray(t * 2048, (t + 1) * 2048));
      expect(d.spectralCentroid[t]).toBeCloseTo((theirs.centroidBin * SAMPLE_RATE) / 2048, 2);
      expect(d.spectralFlatness[t]).toBeCloseTo(theirs.flatness, 6);
    }
  });
});
