import { SAMPLE_RATE } from '../../shared/constants';
import { createOnsetTracker, detectOnsetsDetailed } from '../../shared/onsets/detect';
import { RealFftPlan } from '../../shared/features/fft';
import { periodicHann } from '../../shared/features/spectrogram';
import { PowerSpectrumKernel } from '../../shared/onsets/band-kernel';
import { BandAnalyzer, FLUX_DEFAULTS, decayedWindowMax, meanDbRise, meanDbRiseFromWindowMax } from '../../shared/onsets/flux';
import { Rng } from '../../shared/rng';
import { synthesizeTake } from '../../shared/synth/take';

const SR = SAMPLE_RATE;

/** Kernel bands `a` equal JS bands `b` within 1e-5 relative (bands far below the loudest one: relative to 1e-7 of it). */
function expectSameBands(a: Float32Array, b: Float32Array): void {
  let peak = 0;
  for (let i = 0; i < b.length; i++) peak = Math.max(peak, b[i]);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + 1e-7 * peak));
  expect(peak).toBeGreaterThan(0);
  expect(worst).toBeLessThan(1e-5);
}

describe('WebAssembly band kernel (band-kernel.ts) against the JS transform', () => {
  const o = { ...FLUX_DEFAULTS, sampleRate: SR };
  const take = synthesizeTake({ seconds: 12, seed: 31, condition: 'overlapping' });

  it('gives the same band magnitudes (float32 rounding apart) for every frame, edges included', () => {
    const wasm = new BandAnalyzer(o);
    const js = new BandAnalyzer({ ...o, fft: 'js' });
    expect(wasm.usesWasm).toBe(true);
    expect(js.usesWasm).toBe(false);
    const y = take.samples;
    // Frames from before the start to past the end (zero padding), as the tracker reads them.
    const first = -o.frameSize / 2;
    const count = 1 + Math.floor(y.length / o.hopLength);
    const a = new Float32Array(count * wasm.bands);
    const b = new Float32Array(count * js.bands);
    wasm.analyzeFrames(y, 0, y.length, first, o.hopLength, count, a, 0);
    js.analyzeFrames(y, 0, y.length, first, o.hopLength, count, b, 0);
    expectSameBands(a, b);
  });

  it('other power-of-two frame sizes (radix-4 only and with the radix-2 pass) agree too', () => {
    for (const frameSize of [512, 2048]) {
      const p = { ...o, frameSize };
      const wasm = new BandAnalyzer(p);
      const js = new BandAnalyzer({ ...p, fft: 'js' });
      const count = 200;
      const a = new Float32Array(count * wasm.bands);
      const b = new Float32Array(count * js.bands);
      wasm.analyzeFrames(take.samples, 0, take.samples.length, SR, 256, count, a, 0);
      js.analyzeFrames(take.samples, 0, take.samples.length, SR, 256, count, b, 0);
      expectSameBands(a, b);
    }
  });

  it('detects the same onsets, with the same detection function, as the JS path', () => {
    const wasm = detectOnsetsDetailed(take.samples);
    const js = detectOnsetsDetailed(take.samples, { fft: 'js' });
    expect(wasm.times.length).toBeGreaterThan(10);
    expect(wasm.times).toEqual(js.times);
    let worst = 0;
    for (let i = 0; i < js.detectionFunction.length; i++) worst = Math.max(worst, Math.abs(wasm.detectionFunction[i] - js.detectionFunction[i]));
    expect(worst).toBeLessThan(1e-4); // values reach ~30 (mean dB rise per band)
  });
});

describe('sliding decayed maximum (decayedWindowMax) = meanDbRise', () => {
  it('gives exactly meanDbRise for every frame and lag, on random levels with silent bands', () => {
    const rng = new Rng(8);
    const frames = 137;
    const bands = 23;
    const levels = new Float32Array(frames * bands).map(() => (rng.uniform(0, 1) < 0.3 ? 0 : rng.uniform(0, 60)));
    for (const refFrames of [0, 3, 8]) {
      const o = { ...FLUX_DEFAULTS, refFrames };
      const prefix = new Float64Array(frames * bands);
      const windowMax = new Float64Array(frames * bands);
      decayedWindowMax(levels, frames, bands, o, prefix, windowMax);
      const scratch = new Float64Array(bands);
      for (const lag of [1, 2, 7]) {
        for (let t = lag; t < frames; t++) {
          const expected = meanDbRise(levels, t, bands, { ...o, lag }, scratch);
          expect(meanDbRiseFromWindowMax(levels, windowMax, t, bands, lag, o, scratch)).toBe(expected);
        }
      }
    }
  });
});

describe('detectOnsets in chunks', () => {
  it('one-shot detection equals a tracker fed the whole signal at once', () => {
    const take = synthesizeTake({ seconds: 25, seed: 12, condition: 'fast-run' });
    const tracker = createOnsetTracker();
    const whole = [...tracker.push(take.samples), ...tracker.finish()].map((x) => x.timeSec);
    expect(detectOnsetsDetailed(take.samples).times).toEqual(whole);
  });
});

describe('PowerSpectrumKernel (the band kernel\'s transform alone, any power-of-two size)', () => {
  it('equals the JS power spectrum of the windowed frame within 1e-12 of its peak', () => {
    const rng = new Rng(11);
    for (const size of [32, 1024, 4096]) {
      const window = periodicHann(size);
      const kernel = PowerSpectrumKernel.create(size, window);
      expect(kernel).not.toBeNull();
      const frame = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.3) * 0.5 + 0.1 * rng.gaussian());
      kernel!.frame.set(frame);
      const got = kernel!.powerOfFrame();
      const plan = new RealFftPlan(size);
      const want = new Float64Array(plan.bins);
      plan.powerSpectrum(Float64Array.from(frame, (v, i) => v * window[i]), want, plan.createScratch());
      const peak = Math.max(...want);
      expect(got.length).toBe(want.length);
      for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-12 * peak);
    }
  });

  it('refuses sizes it cannot transform (the caller falls back to the JS FFT)', () => {
    expect(PowerSpectrumKernel.create(1000, new Float64Array(1000))).toBeNull();
    expect(PowerSpectrumKernel.create(16, new Float64Array(16))).toBeNull();
    expect(PowerSpectrumKernel.create(1024, new Float64Array(512))).toBeNull();
  });
});
