import { CLIP_SAMPLES, SAMPLE_RATE } from '../../shared/constants';
import { centeredFrameCount, createMelSpectrogramPlan, melSpectrogramInto } from '../../shared/features/spectrogram';
import { FeatureInputError, FeaturePipelineError } from '../../shared/features/errors';
import { DEFAULT_LOG_MEL_PARAMS, LOG_MEL_PIPELINE, LogMelPipeline, logMelInto, logMelShape, standardizeLogMel, whiteNoiseMelPower } from '../../shared/features/log-mel';
import { assertSupportedPipeline, extractFeatureBatch, extractFeatures, pipelineShape, SEED_PIPELINE } from '../../shared/features/pipeline';
import { Rng } from '../../shared/rng';

/** A decaying two-partial note with a little noise; `sizzleFrom` adds broadband noise above ~3 kHz after that second. */
function note(hz: number, seed: number, options: { gain?: number; sizzleFrom?: number } = {}): Float32Array {
  const { gain = 0.5, sizzleFrom } = options;
  const rng = new Rng(seed);
  const y = new Float32Array(CLIP_SAMPLES);
  let prev = 0;
  for (let i = 0; i < y.length; i++) {
    const t = i / SAMPLE_RATE;
    const noise = rng.gaussian();
    const highPassed = noise - prev; // first difference: energy mostly high up
    prev = noise;
    const sizzle = sizzleFrom !== undefined && t >= sizzleFrom ? 0.2 * highPassed : 0;
    y[i] = gain * (Math.exp(-3 * t) * (Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(4 * Math.PI * hz * t) + sizzle) + 0.001 * noise);
  }
  return y;
}

const [FRAMES, BANDS] = logMelShape(DEFAULT_LOG_MEL_PARAMS);

function meanStd(values: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (const v of values) s += v;
  const mean = s / values.length;
  let q = 0;
  for (const v of values) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / values.length) };
}

describe('log-mel feature pipeline', () => {
  it('gives 87 frames x 64 bands for the default parameters, through pipelineShape and extractFeatureBatch', () => {
    expect([FRAMES, BANDS]).toEqual([87, 64]);
    expect(pipelineShape(LOG_MEL_PIPELINE)).toEqual([87, 64]);
    expect(pipelineShape(SEED_PIPELINE)).toEqual([87, 39]);
    const batch = extractFeatureBatch(LOG_MEL_PIPELINE, [note(196, 1), note(330, 2)]);
    expect(batch.length).toBe(2 * 87 * 64);
    expect(batch.every(Number.isFinite)).toBe(true);
    // Each clip is its own block: the batch equals the clips one by one.
    expect(Array.from(batch.subarray(87 * 64))).toEqual(Array.from(extractFeatures(LOG_MEL_PIPELINE, note(330, 2))));
  });

  it('is deterministic and standardised per clip (mean 0, std 1) with clip-standardize', () => {
    const a = extractFeatures(LOG_MEL_PIPELINE, note(220, 3));
    const b = extractFeatures(LOG_MEL_PIPELINE, note(220, 3));
    expect(Array.from(a)).toEqual(Array.from(b));
    const { mean, std } = meanStd(a);
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(std).toBeCloseTo(1, 4);
  });

  it('band-standardize gives every band zero mean and unit std over time', () => {
    const pipeline: LogMelPipeline = { ...LOG_MEL_PIPELINE, normalization: 'band-standardize' };
    const x = extractFeatures(pipeline, note(147, 4));
    for (const band of [0, 20, 63]) {
      const column = Float32Array.from({ length: FRAMES }, (_, t) => x[t * BANDS + band]);
      const { mean, std } = meanStd(column);
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(std).toBeCloseTo(1, 3);
    }
  });

  it('ignores the recording level (a 20 dB quieter copy gives the same input)', () => {
    const loud = extractFeatures(LOG_MEL_PIPELINE, note(247, 5, { gain: 0.5 }));
    const quiet = extractFeatures(LOG_MEL_PIPELINE, note(247, 5, { gain: 0.05 }));
    let maxDiff = 0;
    for (let i = 0; i < loud.length; i++) maxDiff = Math.max(maxDiff, Math.abs(loud[i] - quiet[i]));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('keeps where the energy is: high-band sizzle raises the top bands of the late frames only', () => {
    const clean = extractFeatures(LOG_MEL_PIPELINE, note(196, 6));
    const buzzy = extractFeatures(LOG_MEL_PIPELINE, note(196, 6, { sizzleFrom: 1 }));
    const mean = (x: Float32Array, [t0, t1]: readonly number[], [b0, b1]: readonly number[]) => {
      let s = 0;
      for (let t = t0; t < t1; t++) for (let m = b0; m < b1; m++) s += x[t * BANDS + m];
      return s / ((t1 - t0) * (b1 - b0));
    };
    const [early, late] = [[8, 40], [50, 87]]; // 0.19-0.93 s, > 1.16 s
    const [low, top] = [[0, 16], [48, 64]];
    // Per-clip standardisation shifts the whole clip, so compare within each clip: top bands late vs early.
    const rise = (x: Float32Array) => mean(x, late, top) - mean(x, early, top);
    expect(rise(buzzy) - rise(clean)).toBeGreaterThan(0.6);
    // Before the sizzle starts the spectral shape (top vs low bands) is the same.
    const tilt = (x: Float32Array) => mean(x, early, top) - mean(x, early, low);
    expect(Math.abs(tilt(buzzy) - tilt(clean))).toBeLessThan(0.1);
  });

  it('the WebAssembly and TypeScript FFT paths agree', () => {
    const clip = note(110, 7, { sizzleFrom: 0.5 });
    const wasm = new Float32Array(FRAMES * BANDS);
    const js = new Float32Array(FRAMES * BANDS);
    logMelInto(clip, LOG_MEL_PIPELINE, wasm);
    logMelInto(clip, LOG_MEL_PIPELINE, js, { fft: 'js' });
    let maxDiff = 0;
    for (let i = 0; i < js.length; i++) maxDiff = Math.max(maxDiff, Math.abs(wasm[i] - js[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('zero-pads short clips and uses only the first 2 s of long ones', () => {
    const clip = note(196, 8);
    const long = new Float32Array(CLIP_SAMPLES + 5000);
    long.set(clip);
    long.fill(0.9, CLIP_SAMPLES);
    expect(Array.from(extractFeatures(LOG_MEL_PIPELINE, long))).toEqual(Array.from(extractFeatures(LOG_MEL_PIPELINE, clip)));
    const short = clip.slice(0, 20000);
    const padded = new Float32Array(CLIP_SAMPLES);
    padded.set(short);
    expect(Array.from(extractFeatures(LOG_MEL_PIPELINE, short))).toEqual(Array.from(extractFeatures(LOG_MEL_PIPELINE, padded)));
  });

  it('rejects empty and non-finite clips with stable codes, with and without a noise floor', () => {
    const withFloor: LogMelPipeline = { ...LOG_MEL_PIPELINE, params: { ...DEFAULT_LOG_MEL_PARAMS, noiseFloorDb: 70 } };
    for (const pipeline of [LOG_MEL_PIPELINE, withFloor]) {
      expect(() => extractFeatures(pipeline, new Float32Array(0))).toThrow(FeatureInputError);
      for (const value of [NaN, Infinity, -Infinity]) {
        const bad = note(196, 9);
        bad[100] = value;
        let caught: unknown;
        try {
          extractFeatures(pipeline, bad);
        } catch (err) {
          caught = err;
        }
        expect((caught as FeatureInputError).code).toBe('non_finite');
      }
    }
  });

  it('round-trips through metadata JSON, and computes any accepted parameter set', () => {
    const stored = JSON.parse(JSON.stringify(LOG_MEL_PIPELINE));
    expect(assertSupportedPipeline(stored)).toEqual(LOG_MEL_PIPELINE);
    const narrow = assertSupportedPipeline({ ...stored, params: { ...stored.params, nMels: 32, hopLength: 1024, fMin: 40 } });
    expect(pipelineShape(narrow)).toEqual([1 + Math.floor(CLIP_SAMPLES / 1024), 32]);
    expect(extractFeatures(narrow, note(196, 10)).length).toBe(44 * 32);
  });

  it.each([
    [{ version: 2 }, /version 2/],
    [{ normalization: 'per-clip-standardize' }, /normalization 'per-clip-standardize'/],
    [{ params: { ...DEFAULT_LOG_MEL_PARAMS, nFft: 1000 } }, /nFft=1000/],
    [{ params: { ...DEFAULT_LOG_MEL_PARAMS, sampleRate: 44100 } }, /sampleRate=44100/],
    [{ params: { ...DEFAULT_LOG_MEL_PARAMS, fMax: 20000 } }, /fMax=20000/],
    [{ params: { ...DEFAULT_LOG_MEL_PARAMS, power: 1 } }, /unknown params: power/],
    [{ params: { ...DEFAULT_LOG_MEL_PARAMS, topDb: 'x' } }, /topDb must be a finite number/],
    [{ params: { ...DEFAULT_LOG_MEL_PARAMS, noiseFloorDb: 5 } }, /noiseFloorDb=5/],
    [{ params: { ...DEFAULT_LOG_MEL_PARAMS, noiseFloorDb: '70' } }, /noiseFloorDb="70"/],
  ])('refuses a descriptor it cannot reproduce: %j', (change, pattern) => {
    let caught: unknown;
    try {
      assertSupportedPipeline({ ...LOG_MEL_PIPELINE, ...change });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FeaturePipelineError);
    expect((caught as FeaturePipelineError).code).toBe('unsupported_pipeline');
    expect((caught as Error).message).toMatch(pattern);
  });

  it('standardizeLogMel only centres a constant block (std floor)', () => {
    const x = new Float32Array(12).fill(-80);
    standardizeLogMel(x, 3, 4, false);
    expect(Array.from(x)).toEqual(new Array(12).fill(0));
    expect(() => standardizeLogMel(new Float32Array(5), 3, 4, true)).toThrow(TypeError);
  });
});

describe('log-mel noise floor (noiseFloorDb)', () => {
  const WITH_FLOOR: LogMelPipeline = { ...LOG_MEL_PIPELINE, params: { ...DEFAULT_LOG_MEL_PARAMS, noiseFloorDb: 70 } };
  /** A decaying two-partial note with no noise at all. */
  const pureNote = (gain: number) =>
    Float32Array.from({ length: CLIP_SAMPLES }, (_, i) => {
      const t = i / SAMPLE_RATE;
      return gain * Math.exp(-3 * t) * (Math.sin(2 * Math.PI * 196 * t) + 0.3 * Math.sin(4 * Math.PI * 196 * t));
    });
  const peakOf = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const rmsDiff = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);

  it('whiteNoiseMelPower is the mean mel power that white noise of that variance measures, band by band', () => {
    const plan = createMelSpectrogramPlan({ nFft: 2048, hopLength: 512, nMels: 64 });
    const rng = new Rng(3);
    const std = 0.01;
    const noise = Float32Array.from({ length: 30 * SAMPLE_RATE }, () => std * rng.gaussian());
    const frames = centeredFrameCount(noise.length, 512);
    const power = new Float64Array(frames * 64);
    melSpectrogramInto(noise, plan, power);
    const expected = whiteNoiseMelPower(plan, std * std);
    for (let m = 0; m < 64; m++) {
      let sum = 0;
      for (let t = 4; t < frames - 4; t++) sum += power[t * 64 + m]; // frames hanging over the edges hold zeros
      expect(sum / (frames - 8) / expected[m]).toBeGreaterThan(0.9);
      expect(sum / (frames - 8) / expected[m]).toBeLessThan(1.1);
    }
  });

  it('makes a noise-free note look like the same note recorded with hiss at that level', () => {
    // 50 dB: at 70 dB under a strong low note the hiss hardly shows above the 80 dB clamp (topDb) even in wide bands.
    const floor50: LogMelPipeline = { ...LOG_MEL_PIPELINE, params: { ...DEFAULT_LOG_MEL_PARAMS, noiseFloorDb: 50 } };
    const clean = pureNote(0.5);
    const rng = new Rng(4);
    const hissStd = peakOf(clean) * 10 ** (-50 / 20);
    const hissy = Float32Array.from(clean, (v) => v + hissStd * rng.gaussian());
    const apartWithout = rmsDiff(extractFeatures(LOG_MEL_PIPELINE, clean), extractFeatures(LOG_MEL_PIPELINE, hissy));
    const apartWith = rmsDiff(extractFeatures(floor50, clean), extractFeatures(floor50, hissy));
    expect(apartWith).toBeLessThan(0.6 * apartWithout);
  });

  it('sits under the peak, so the recording level still does not matter', () => {
    expect(rmsDiff(extractFeatures(WITH_FLOOR, pureNote(0.5)), extractFeatures(WITH_FLOOR, pureNote(0.005)))).toBeLessThan(1e-3);
  });

  it('adds nothing to a silent clip, and round-trips through metadata JSON', () => {
    const silent = extractFeatures(WITH_FLOOR, new Float32Array(CLIP_SAMPLES));
    expect(silent.every((v) => v === 0)).toBe(true);
    expect(assertSupportedPipeline(JSON.parse(JSON.stringify(WITH_FLOOR)))).toEqual(WITH_FLOOR);
  });
});

describe('clips cut from one take share the spectra of their common frames', () => {
  // A 12 s "take": notes every 0.4-0.9 s, so consecutive 2 s clips overlap, some on the same 512-sample grid.
  const rng = new Rng(21);
  const take = new Float32Array(12 * SAMPLE_RATE);
  const onsets: number[] = [];
  for (let at = 0; at < take.length - SAMPLE_RATE; at += 256 * (35 + Math.floor(rng.next() * 42))) {
    onsets.push(at);
    const n = note(110 * 2 ** (Math.floor(rng.next() * 24) / 12), onsets.length);
    for (let i = 0; i < n.length && at + i < take.length; i++) take[at + i] += 0.4 * n[i];
  }
  /** The clip starting at take sample `start`, zeros outside the take (as a report cuts it). */
  const clipAt = (start: number) => Float32Array.from({ length: CLIP_SAMPLES }, (_, i) => (start + i >= 0 && start + i < take.length ? take[start + i] : 0));

  it('gives the same features with takeOffsets as without, at the take\'s edges and with unplaced clips', () => {
    const starts = [-3000, ...onsets.map((o) => o - 2205), take.length - 20000];
    const clips = starts.map(clipAt);
    const offsets = starts.map((s, i) => (i % 5 === 3 ? null : s));
    expect(onsets.length).toBeGreaterThan(12);
    for (const pipeline of [LOG_MEL_PIPELINE, { ...LOG_MEL_PIPELINE, params: { ...DEFAULT_LOG_MEL_PARAMS, noiseFloorDb: 70 } }]) {
      const plain = extractFeatureBatch(pipeline, clips);
      const shared = extractFeatureBatch(pipeline, clips, { takeOffsets: offsets });
      expect(shared).toEqual(plain);
    }
  });

  it('computes each frame once: two clips 512 samples apart need only the frames one of them lacks', () => {
    const plan = createMelSpectrogramPlan({ nFft: 2048, hopLength: 512, nMels: 64 });
    const frames = new Map<number, Float64Array>();
    const out = new Float64Array(FRAMES * BANDS);
    melSpectrogramInto(clipAt(5000), plan, out, { shared: { origin: 5000, frames } });
    const interior = frames.size;
    expect(interior).toBe(FRAMES - 4); // the 2 frames at either end hang over the clip's edge
    const alone = new Float64Array(FRAMES * BANDS);
    melSpectrogramInto(clipAt(5512), plan, alone);
    melSpectrogramInto(clipAt(5512), plan, out, { shared: { origin: 5512, frames } });
    expect(frames.size).toBe(interior + 1);
    expect(out).toEqual(alone);
    // Off the grid (256 samples later): nothing in common.
    melSpectrogramInto(clipAt(5768), plan, out, { shared: { origin: 5768, frames } });
    expect(frames.size).toBe(2 * interior + 1);
  });

  it('rejects takeOffsets that do not name one integer or null per clip', () => {
    const clips = [clipAt(0), clipAt(512)];
    expect(() => extractFeatureBatch(LOG_MEL_PIPELINE, clips, { takeOffsets: [0] })).toThrow(TypeError);
    expect(() => extractFeatureBatch(LOG_MEL_PIPELINE, clips, { takeOffsets: [0, 1.5] })).toThrow(TypeError);
  });
});
