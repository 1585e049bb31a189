import { SAMPLE_RATE } from '../../shared/constants';
import { RealFftPlan } from '../../shared/features/fft';
import { hzToMel, melFilterbank, melFrequencies, melToHz } from '../../shared/features/mel';
import { dctBasis, mfcc } from '../../shared/features/mfcc';
import { centeredFrameCount, createMelSpectrogramPlan, melSpectrogram, melSpectrogramInto, periodicHann, powerToDb, SEED_MEL_PLAN } from '../../shared/features/spectrogram';
import { WasmPowerSpectrum, wasmFftTables } from '../../shared/features/wasm-fft';
import { Rng } from '../../shared/rng';

function noise(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5));
}


/** Largest |a - b| / |b| over the elements (|b| floored at 1e-30). */
function maxRelativeDifference(a: Float64Array, b: Float64Array): number {
  let maxRel = 0;
  for (let i = 0; i < a.length; i++) maxRel = Math.max(maxRel, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  return maxRel;
}

describe('RealFftPlan', () => {
  it.each([8, 16, 32, 64, 128, 2048])('power spectrum of size %i matches a direct DFT', (n) => {
    const plan = new RealFftPlan(n);
    const x = Float64Array.from(noise(n, n));
    const out = new Float64Array(plan.bins);
    plan.powerSpectrum(x, out, plan.createScratch());
    let maxErr = 0;
    let maxPower = 0;
    for (let k = 0; k <= n / 2; k++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < n; t++) {
        re += x[t] * Math.cos((2 * Math.PI * k * t) / n);
        im -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
      }
      maxErr = Math.max(maxErr, Math.abs(re * re + im * im - out[k]));
      maxPower = Math.max(maxPower, re * re + im * im);
    }
    expect(plan.bins).toBe(n / 2 + 1);
    expect(maxErr / maxPower).toBeLessThan(1e-12);
  });

  it('windowed transform equals transforming the windowed copy', () => {
    const plan = new RealFftPlan(64);
    const signal = noise(200, 5);
    const window = Float64Array.from({ length: 64 }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 64));
    const a = new Float64Array(33);
    const b = new Float64Array(33);
    plan.powerSpectrumWindowed(signal, 100, window, a, plan.createScratch());
    plan.powerSpectrum(Float64Array.from({ length: 64 }, (_, i) => signal[100 + i] * window[i]), b, plan.createScratch());
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFftPlan(1000)).toThrow(TypeError);
    expect(() => new RealFftPlan(4)).toThrow(TypeError);
  });
});

describe('Slaney mel scale and filterbank', () => {
  it('is linear below 1 kHz (200/3 Hz per mel) and logarithmic above, continuous at 1 kHz', () => {
    expect(hzToMel(0)).toBe(0);
    expect(hzToMel(200)).toBeCloseTo(3, 12);
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(6400)).toBeCloseTo(42, 10); // 15 + 27 mels per factor 6.4
    expect(hzToMel(999.999)).toBeCloseTo(hzToMel(1000.001), 4);
    for (const hz of [0, 55, 440, 1000, 2500, 11025]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 8);
    const edges = melFrequencies({ count: 130, fMin: 0, fMax: 11025 });
    expect(edges[0]).toBe(0);
    expect(edges[129]).toBeCloseTo(11025, 8);
  });

  it('has 128 contiguous triangles with unit area (Slaney norm) and rising centres', () => {
    const fb = melFilterbank({ sampleRate: SAMPLE_RATE, nFft: 2048, nMels: 128, fMin: 0, fMax: SAMPLE_RATE / 2 });
    expect(fb.bands).toHaveLength(128);
    expect(fb.bins).toBe(1025);
    const binHz = SAMPLE_RATE / 2048;
    let previousPeak = -1;
    fb.bands.forEach((band, m) => {
      expect(band.weights.length).toBeGreaterThan(0);
      expect(band.weights.every((w) => w > 0)).toBe(true);
      const peak = band.start + band.weights.indexOf(Math.max(...band.weights));
      expect(peak).toBeGreaterThanOrEqual(previousPeak);
      previousPeak = peak;
      // Wide bands integrate to ~1 (area normalisation); narrow ones are too coarsely sampled to check.
      if (m >= 40) expect(Math.abs(band.weights.reduce((a, b) => a + b, 0) * binHz - 1)).toBeLessThan(0.05);
    });
    expect(fb.flat.weights.length).toBe(fb.bands.reduce((n, b) => n + b.weights.length, 0));
    expect(fb.flat.weights.length).toBeLessThan(2 * 1025);
  });
});

describe('melSpectrogram', () => {
  it('frames a signal like librosa center=True and puts a tone in the right band', () => {
    const y = Float32Array.from({ length: 22050 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / SAMPLE_RATE));
    const mel = melSpectrogram(y);
    expect(mel.frames).toBe(centeredFrameCount(22050, 512));
    expect(mel.frames).toBe(44);
    expect(mel.data.length).toBe(44 * 128);
    const edges = melFrequencies({ count: 130, fMin: 0, fMax: SAMPLE_RATE / 2 });
    const t = 20;
    const row = Array.from(mel.data.subarray(t * 128, (t + 1) * 128));
    const best = row.indexOf(Math.max(...row));
    expect(edges[best]).toBeLessThan(1000);
    expect(edges[best + 2]).toBeGreaterThan(1000);
  });

  it('frames are computed independently: a long signal agrees with an excerpt frame by frame', () => {
    const long = noise(SAMPLE_RATE * 20, 11);
    const mel = melSpectrogram(long);
    expect(mel.frames).toBe(1 + Math.floor((SAMPLE_RATE * 20) / 512));
    const startFrame = 500;
    const excerpt = long.subarray(startFrame * 512 - 1024, startFrame * 512 - 1024 + 44100);
    const part = melSpectrogram(excerpt);
    // Excerpt frame 2 is centred at excerpt sample 1024 = long frame `startFrame`.
    for (let k = 0; k < 10; k++) {
      for (let m = 0; m < 128; m++) {
        const a = mel.data[(startFrame + k) * 128 + m];
        const b = part.data[(2 + k) * 128 + m];
        expect(Math.abs(a - b) / Math.max(a, 1e-12)).toBeLessThan(1e-6);
      }
    }
  });

  it('composes with powerToDb and the DCT into the golden-tested mfcc', () => {
    const y = noise(44100, 2);
    const db = powerToDb(melSpectrogram(y).data);
    const basis = dctBasis(128, 13);
    const m = mfcc(y);
    let maxDiff = 0;
    for (let t = 0; t < m.frames; t++) {
      for (let k = 0; k < 13; k++) {
        let s = 0;
        for (let n = 0; n < 128; n++) s += basis[k * 128 + n] * db[t * 128 + n];
        maxDiff = Math.max(maxDiff, Math.abs(s - m.data[t * 13 + k]));
      }
    }
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('honours its options', () => {
    const y = noise(10000, 3);
    const small = melSpectrogram(y, { nMels: 40, nFft: 1024, hopLength: 256, fMax: 8000 });
    expect([small.nMels, small.frames]).toEqual([40, 1 + Math.floor(10000 / 256)]);
    const magnitude = melSpectrogram(y, { power: 1 });
    const power = melSpectrogram(y);
    expect(magnitude.data[500]).not.toBeCloseTo(power.data[500], 3);
    expect(magnitude.data.every((v) => v >= 0)).toBe(true);
  });

  it('rejects empty signals and impossible parameters', () => {
    expect(() => melSpectrogram(new Float32Array(0))).toThrow(/empty/);
    expect(() => melSpectrogram(noise(100, 1), { nFft: 1000 })).toThrow(/power of two/);
    expect(() => melSpectrogram(noise(100, 1), { fMax: 20000 })).toThrow(/fMax/);
    expect(() => melSpectrogram(noise(100, 1), { hopLength: 0 })).toThrow(/hopLength/);
    expect(() => melSpectrogram(noise(100, 1), { power: 0 })).toThrow(/power/);
  });
});

describe('powerToDb', () => {
  it('is 10 log10(max(amin, S) / ref), floored at max - topDb over the whole input', () => {
    const s = Float32Array.from([1, 10, 100, 0]);
    expect(Array.from(powerToDb(s))).toEqual([0, 10, 20, -60]);
    expect(Array.from(powerToDb(s, { topDb: null }))).toEqual([0, 10, 20, -100]);
    expect(Array.from(powerToDb(s, { topDb: null, ref: 10 }))).toEqual([-10, 0, 10, -110]);
    expect(Array.from(powerToDb(s, { topDb: null, amin: 1e-5 }))).toEqual([0, 10, 20, -50]);
    expect(Array.from(powerToDb(new Float32Array(4)))).toEqual([-100, -100, -100, -100]);
    expect(Array.from(s)).toEqual([1, 10, 100, 0]); // input untouched
  });

  it('rejects a non-positive amin or a negative topDb', () => {
    expect(() => powerToDb(new Float32Array(2), { amin: 0 })).toThrow(TypeError);
    expect(() => powerToDb(new Float32Array(2), { topDb: -1 })).toThrow(TypeError);
  });
});

describe('WebAssembly SIMD and JS transforms', () => {
  it('the wasm kernel is available here (Node 20) and handles the seed size', () => {
    const tables = wasmFftTables(2048, periodicHann(2048));
    expect(tables).not.toBeNull();
    expect(WasmPowerSpectrum.create(tables!)).not.toBeNull();
    expect(wasmFftTables(4096, periodicHann(4096))).toBeNull(); // 2 * 4^k sizes only; others use the JS plan
  });

  it('wasm power spectrum is bit-identical to RealFftPlan', () => {
    const n = 2048;
    const window = periodicHann(n);
    const kernel = WasmPowerSpectrum.create(wasmFftTables(n, window)!)!;
    const plan = new RealFftPlan(n);
    const signal = noise(n, 11);
    const expected = new Float64Array(plan.bins);
    plan.powerSpectrumWindowed(signal, 0, window, expected, plan.createScratch());
    kernel.frame.set(signal);
    expect(Array.from(kernel.powerOfFrame())).toEqual(Array.from(expected));
  });

  it.each([
    ['seed parameters', {}],
    ['power 1, 64 mels, nFft 512', { power: 1, nMels: 64, nFft: 512, hopLength: 128 }],
    ['nFft 4096 (JS only)', { nFft: 4096, hopLength: 1024 }],
  ])('melSpectrogramInto: wasm and forced-JS paths agree (%s)', (_, options) => {
    const plan = createMelSpectrogramPlan(options);
    const y = noise(30000, 3);
    const frames = centeredFrameCount(y.length, plan.hopLength);
    const auto = new Float64Array(frames * plan.nMels);
    const js = new Float64Array(frames * plan.nMels);
    melSpectrogramInto(y, plan, auto);
    melSpectrogramInto(y, plan, js, { fft: 'js' });
    expect(maxRelativeDifference(auto, js)).toBeLessThan(1e-12);
    expect(js.some((v) => v > 0)).toBe(true);
  });

  it('long signals (several kernel chunks) agree, frame for frame', () => {
    const y = noise(200_000, 21); // 391 frames: interior frames go through the kernel in chunks of 128
    const frames = centeredFrameCount(y.length, SEED_MEL_PLAN.hopLength);
    const auto = new Float64Array(frames * SEED_MEL_PLAN.nMels);
    const js = new Float64Array(frames * SEED_MEL_PLAN.nMels);
    melSpectrogramInto(y, SEED_MEL_PLAN, auto);
    melSpectrogramInto(y, SEED_MEL_PLAN, js, { fft: 'js' });
    expect(maxRelativeDifference(auto, js)).toBeLessThan(1e-12);
    expect(melSpectrogram(y).data).toEqual(Float32Array.from(auto));
  });

  it('short signals (every frame an edge frame) agree too', () => {
    const y = noise(700, 9);
    const frames = centeredFrameCount(y.length, SEED_MEL_PLAN.hopLength);
    const auto = new Float64Array(frames * SEED_MEL_PLAN.nMels);
    const js = new Float64Array(frames * SEED_MEL_PLAN.nMels);
    melSpectrogramInto(y, SEED_MEL_PLAN, auto);
    melSpectrogramInto(y, SEED_MEL_PLAN, js, { fft: 'js' });
    for (let i = 0; i < auto.length; i++) expect(Math.abs(auto[i] - js[i])).toBeLessThanOrEqual(1e-12 * Math.abs(js[i]));
  });
});
