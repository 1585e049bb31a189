import { readReferenceBytes, readReferenceJson } from '../helpers/reference';

export interface PluckReference {
  sr: number;
  n_samples: number;
  truth_onset_times: number[];
  onset_strength: number[];
  onset_detect_defaults_times: number[];
  peak_pick_original_params_frames: number[];
}

export function readPluckReference(): PluckReference {
  return readReferenceJson<PluckReference>('librosa', 'onsets', 'pluck_take.json');
}

/** The reference WAV is 16-bit PCM mono with a 44-byte header; read as soundfile does (x / 32768). */
export function readPluckTake(): Float32Array {
  const bytes = readReferenceBytes('librosa', 'onsets', 'pluck_take.wav');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = (bytes.byteLength - 44) / 2;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = view.getInt16(44 + 2 * i, true) / 32768;
  return y;
}
