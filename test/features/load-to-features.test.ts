/**
 * The whole front end against librosa: WAV file → loadAudio (decode, mono mix, resample) → comprehensive MFCC,
 * compared with what the original pipeline computed from the same files.
 */
import { loadAudio } from '../../shared/audio/load';
import { comprehensiveMfcc } from '../../shared/features/comprehensive';
import { FEATURE_COEFFS, FEATURE_FRAMES } from '../../shared/constants';
import { readReferenceBytes, readReferenceJson } from '../helpers/reference';

interface Reference {
  file: string;
  comprehensive: number[][];
}

const RESAMPLED = ['chirp_16000_float32_mono', 'chirp_44100_pcm24_stereo', 'chirp_48000_pcm16_mono', 'chirp_96000_pcm32_mono'];
const REAL = ['gl_buzzy6', 'gl_clean_short9', 'gl_muted12', 'gl_muted2', 'gu_buzzy4', 'gu_buzzy_short9', 'gu_clean14', 'gu_clean16', 'gu_clean4', 'gu_muted2'];

function maxAbsDiff(values: Float32Array, want: number[][]): number {
  expect(want.length).toBe(FEATURE_FRAMES);
  let max = 0;
  for (let t = 0; t < FEATURE_FRAMES; t++) {
    expect(want[t].length).toBe(FEATURE_COEFFS);
    for (let k = 0; k < FEATURE_COEFFS; k++) max = Math.max(max, Math.abs(values[t * FEATURE_COEFFS + k] - want[t][k]));
  }
  return max;
}

describe('WAV → comprehensive MFCC matches librosa end to end', () => {
  test.each(RESAMPLED)('resampled chirp %s within 0.01', (name) => {
    const ref = readReferenceJson<Reference>('librosa', 'resample', `${name}.json`);
    const audio = loadAudio(readReferenceBytes('librosa', 'resample', ref.file));
    expect(maxAbsDiff(comprehensiveMfcc(audio.samples).values, ref.comprehensive)).toBeLessThanOrEqual(0.01);
  });

  test.each(REAL)('real clip %s within 0.01', (name) => {
    const ref = readReferenceJson<Reference>('librosa', 'real', `${name}.json`);
    const audio = loadAudio(readReferenceBytes('real-clips', `${name}.wav`));
    expect(maxAbsDiff(comprehensiveMfcc(audio.samples).values, ref.comprehensive)).toBeLessThanOrEqual(0.01);
  });
});
