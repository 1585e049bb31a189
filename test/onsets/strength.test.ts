import { onsetStrength } from '../../shared/onsets/strength';
import { readPluckReference, readPluckTake } from './reference-take';

describe('onsetStrength (librosa 0.9.2 onset_strength defaults)', () => {
  const ref = readPluckReference();
  const y = readPluckTake();

  it('reads the reference take', () => {
    expect(y.length).toBe(ref.n_samples);
  });

  it('matches librosa frame by frame on the reference take', () => {
    const env = onsetStrength(y);
    expect(env.length).toBe(ref.onset_strength.length);
    let maxAbs = 0;
    for (let i = 0; i < env.length; i++) maxAbs = Math.max(maxAbs, Math.abs(env[i] - ref.onset_strength[i]));
    // Envelope values reach ~36; float32 rounding of the dB spectrogram is the only difference.
    expect(maxAbs).toBeLessThan(1e-4);
    // The centre shift: lag 1 + n_fft // (2 * hop) = 3 leading zeros.
    expect(Array.from(env.subarray(0, 3))).toEqual([0, 0, 0]);
  });

  it('is all zeros on silence and rejects bad input', () => {
    expect(Array.from(onsetStrength(new Float32Array(4096))).every((v) => v === 0)).toBe(true);
    expect(() => onsetStrength([0, 1] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => onsetStrength(new Float32Array(4096), { lag: 0 })).toThrow(/lag/);
  });
});
