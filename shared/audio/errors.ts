import { BuzzfinderError } from '../errors';

/** Stable codes of every way an uploaded file can fail to decode (see docs/audio.md). */
export const AUDIO_ERROR_CODES = [
  'not_wav',
  'truncated',
  'no_channels',
  'bad_sample_rate',
  'empty',
  'non_finite',
  'unsupported_format',
  'too_large',
] as const;
export type AudioErrorCode = (typeof AUDIO_ERROR_CODES)[number];

/** Bad input audio: the file is not something buzzfinder can read. `code` is stable, `message` is for people. */
export class AudioDecodeError extends BuzzfinderError {
  declare readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string) {
    super(code, message);
  }
}
