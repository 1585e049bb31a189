/**
 * `librosa.load(file)` with its defaults (sr=22050, mono=True, res_type='kaiser_best'):
 * decode, mean the channels, resample to SAMPLE_RATE.
 */
import { SAMPLE_RATE } from '../constants';
import { decodeWav, DecodeOptions } from './decode';
import { resample } from './resample';

export interface LoadedAudio {
  /** The file's own sample rate. */
  sampleRate: number;
  /** Duration of the file at its own rate. */
  durationSec: number;
  /** Mono float32 at SAMPLE_RATE. */
  samples: Float32Array;
}

export function loadAudio(bytes: Uint8Array, options?: DecodeOptions): LoadedAudio {
  const decoded = decodeWav(bytes, options);
  return {
    sampleRate: decoded.sampleRate,
    durationSec: decoded.frames / decoded.sampleRate,
    samples: resample(decoded.mono, { fromRate: decoded.sampleRate, toRate: SAMPLE_RATE }),
  };
}
