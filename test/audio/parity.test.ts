/**
 * librosa.load parity on the reference chirps: exactly what librosa 0.9.2 (soundfile + resampy 0.4.2
 * kaiser_best) returned for each file. resampy accumulates in float32, we in float64, so a few ulps differ.
 */
import { loadAudio } from '../../shared/audio/load';
import { readReferenceBytes, readReferenceJson } from '../helpers/reference';

interface ResampleReference {
  file: string;
  file_sr: number;
  channels: number;
  sr: number;
  loaded_f32: number[];
}

const NAMES = ['chirp_16000_float32_mono', 'chirp_44100_pcm24_stereo', 'chirp_48000_pcm16_mono', 'chirp_96000_pcm32_mono'];

function compare(got: Float32Array, want: number[]): { snrDb: number; maxAbs: number; identical: number } {
  let signal = 0;
  let noise = 0;
  let maxAbs = 0;
  let identical = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i] - want[i];
    signal += want[i] * want[i];
    noise += d * d;
    maxAbs = Math.max(maxAbs, Math.abs(d));
    if (d === 0) identical++;
  }
  return { snrDb: 10 * Math.log10(signal / noise), maxAbs, identical: identical / want.length };
}

describe('loadAudio matches librosa.load on the reference chirps', () => {
  const rows: string[] = [];
  afterAll(() => console.log(`librosa.load parity\n${rows.join('\n')}`));

  test.each(NAMES)('%s', (name) => {
    const ref = readReferenceJson<ResampleReference>('librosa', 'resample', `${name}.json`);
    const loaded = loadAudio(readReferenceBytes('librosa', 'resample', ref.file));
    expect(loaded.sampleRate).toBe(ref.file_sr);
    expect(loaded.samples).toBeInstanceOf(Float32Array);
    expect(loaded.samples.length).toBe(ref.loaded_f32.length);
    const { snrDb, maxAbs, identical } = compare(loaded.samples, ref.loaded_f32);
    rows.push(`  ${name}: SNR ${snrDb.toFixed(1)} dB, max |diff| ${maxAbs.toExponential(2)}, bit-identical ${(identical * 100).toFixed(1)}%`);
    expect(snrDb).toBeGreaterThanOrEqual(120);
    expect(maxAbs).toBeLessThan(2e-6);
  });
});
