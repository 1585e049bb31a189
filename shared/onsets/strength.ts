/**
 * librosa 0.9.2 `onset.onset_strength` with its defaults: mel power spectrogram (n_fft 2048, hop 512,
 * 128 Slaney mels, fmax sr/2) → power_to_db (ref 1, amin 1e-10, top_db 80 over the whole signal) →
 * first difference with lag 1 (max_size 1: no frequency max filter) → half-wave rectify → mean over mels →
 * left-pad by lag + n_fft // (2 hop) frames (center=True) → trim to the spectrogram's frame count.
 * This is the original project's envelope; the detector (detect.ts) uses its own, level-independent function.
 */
import { SAMPLE_RATE } from '../constants';
import { melSpectrogram, powerToDbInPlace } from '../features/spectrogram';

export interface OnsetStrengthOptions {
  sampleRate?: number;
  nFft?: number;
  hopLength?: number;
  nMels?: number;
  /** Frames between compared spectra (librosa `lag`). */
  lag?: number;
  /** Shift by n_fft // (2 hop) frames to undo centred framing (librosa `center`). */
  center?: boolean;
}

export function onsetStrength(y: Float32Array, options: OnsetStrengthOptions = {}): Float32Array {
  if (!(y instanceof Float32Array)) throw new TypeError('onsetStrength: y must be a Float32Array');
  const sampleRate = options.sampleRate ?? SAMPLE_RATE;
  const nFft = options.nFft ?? 2048;
  const hopLength = options.hopLength ?? 512;
  const nMels = options.nMels ?? 128;
  const lag = options.lag ?? 1;
  const center = options.center ?? true;
  if (!Number.isInteger(lag) || lag < 1) throw new TypeError(`onsetStrength: lag must be a positive integer, got ${lag}`);
  const mel = melSpectrogram(y, { sampleRate, nFft, hopLength, nMels, fMax: sampleRate / 2 });
  powerToDbInPlace(mel.data); // ref 1, amin 1e-10, top_db 80: librosa's defaults
  const frames = mel.frames;
  const out = new Float32Array(frames);
  const pad = lag + (center ? Math.floor(nFft / (2 * hopLength)) : 0);
  const s = mel.data;
  for (let t = lag; t < frames; t++) {
    const target = t - lag + pad; // envelope index of the difference S[t] - S[t - lag]
    if (target >= frames) break;
    const row = t * nMels;
    const ref = (t - lag) * nMels;
    let acc = 0;
    for (let m = 0; m < nMels; m++) {
      const d = s[row + m] - s[ref + m];
      if (d > 0) acc += d;
    }
    out[target] = acc / nMels;
  }
  return out;
}
