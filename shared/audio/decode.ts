/**
 * WAV bytes → mono float32 at the file's own rate, exactly as librosa.load reads it before resampling:
 * soundfile's integer scaling (uint8 (x-128)/128, int16 /2^15, int24 /2^23, int32 /2^31, float kept,
 * float64 rounded to float32), then the float32 mean over channels (numpy's `np.mean(axis=0)`).
 */
import { DEFAULT_MAX_INPUT_BYTES } from '../constants';
import { AudioDecodeError } from './errors';
import { readWavLayoutSync, SampleEncoding, WavFormat } from './wav-header';

export interface DecodedWav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 'pcm' for integer PCM and G.711 (see `encoding`), 'float' for IEEE float. */
  format: 'pcm' | 'float';
  /** The exact sample encoding. */
  encoding: SampleEncoding;
  frames: number;
  /** Channel mean, float32, at `sampleRate`. */
  mono: Float32Array;
}

export interface DecodeOptions {
  /** Refuse inputs larger than this many bytes ('too_large'). Default DEFAULT_MAX_INPUT_BYTES. */
  maxBytes?: number;
}

export function resolveMaxBytes(options?: DecodeOptions): number {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) {
    throw new TypeError(`maxBytes must be a positive number, got ${String(maxBytes)}`);
  }
  return maxBytes;
}

export function assertSize(size: number, maxBytes: number): void {
  if (size > maxBytes) {
    throw new AudioDecodeError('too_large', `input is ${size} bytes; the limit is ${maxBytes} bytes`);
  }
}

const INT16_SCALE = 1 / 32768;
const INT24_SCALE = 1 / 8388608;
const INT32_SCALE = 1 / 2147483648;

/**
 * One loop per sample encoding, each with its read inlined (a shared loop over a per-format callback is
 * several times slower). Each writes the float32 channel mean of `frames` frames: numpy sums float32
 * channels in float32 (sequentially), then divides in float32.
 */
interface FrameLoop {
  (v: DataView, at: number, frames: number, channels: number, out: Float32Array, outAt: number): void;
}

const uint8Frames: FrameLoop = (v, at, frames, channels, out, outAt) => {
  for (let f = 0; f < frames; f++, at += channels) {
    let sum = (v.getUint8(at) - 128) / 128;
    for (let c = 1; c < channels; c++) sum = Math.fround(sum + (v.getUint8(at + c) - 128) / 128);
    out[outAt + f] = sum / channels;
  }
};

/** Typed-array reads equal little-endian DataView reads only on a little-endian host (all Node targets in practice). */
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const int16Frames: FrameLoop = (v, at, frames, channels, out, outAt) => {
  if (LITTLE_ENDIAN_HOST && (v.byteOffset + at) % 2 === 0) {
    // Aligned: an Int16Array view is several times faster than DataView reads.
    const s = new Int16Array(v.buffer, v.byteOffset + at, frames * channels);
    if (channels === 1) for (let f = 0; f < frames; f++) out[outAt + f] = s[f] * INT16_SCALE;
    else if (channels === 2) {
      for (let f = 0, i = 0; f < frames; f++, i += 2) out[outAt + f] = Math.fround(s[i] * INT16_SCALE + s[i + 1] * INT16_SCALE) / 2;
    } else {
      for (let f = 0, i = 0; f < frames; f++, i += channels) {
        let sum = s[i] * INT16_SCALE;
        for (let c = 1; c < channels; c++) sum = Math.fround(sum + s[i + c] * INT16_SCALE);
        out[outAt + f] = sum / channels;
      }
    }
    return;
  }
  if (channels === 1) {
    for (let f = 0; f < frames; f++, at += 2) out[outAt + f] = v.getInt16(at, true) * INT16_SCALE;
    return;
  }
  for (let f = 0; f < frames; f++, at += 2 * channels) {
    let sum = v.getInt16(at, true) * INT16_SCALE;
    for (let c = 1; c < channels; c++) sum = Math.fround(sum + v.getInt16(at + 2 * c, true) * INT16_SCALE);
    out[outAt + f] = sum / channels;
  }
};

const int24 = (v: DataView, o: number) => ((v.getInt8(o + 2) << 16) | (v.getUint8(o + 1) << 8) | v.getUint8(o)) * INT24_SCALE;

const int24Frames: FrameLoop = (v, at, frames, channels, out, outAt) => {
  // Byte reads from a Uint8Array view are several times faster than DataView reads; (b2 << 24) >> 8 sign-extends.
  const b = new Uint8Array(v.buffer, v.byteOffset + at, frames * channels * 3);
  const sample = (o: number) => (((b[o + 2] << 24) >> 8) | (b[o + 1] << 8) | b[o]) * INT24_SCALE;
  if (channels === 1) {
    for (let f = 0; f < frames; f++) out[outAt + f] = sample(3 * f);
    return;
  }
  if (channels === 2) {
    for (let f = 0, o = 0; f < frames; f++, o += 6) out[outAt + f] = Math.fround(sample(o) + sample(o + 3)) / 2;
    return;
  }
  for (let f = 0; f < frames; f++, at += 3 * channels) {
    let sum = int24(v, at);
    for (let c = 1; c < channels; c++) sum = Math.fround(sum + int24(v, at + 3 * c));
    out[outAt + f] = sum / channels;
  }
};

// libsndfile converts int32 → float32 first, then scales by the exact 2^-31.
const int32Frames: FrameLoop = (v, at, frames, channels, out, outAt) => {
  for (let f = 0; f < frames; f++, at += 4 * channels) {
    let sum = Math.fround(v.getInt32(at, true)) * INT32_SCALE;
    for (let c = 1; c < channels; c++) sum = Math.fround(sum + Math.fround(v.getInt32(at + 4 * c, true)) * INT32_SCALE);
    out[outAt + f] = sum / channels;
  }
};

const float32Frames: FrameLoop = (v, at, frames, channels, out, outAt) => {
  if (LITTLE_ENDIAN_HOST && (v.byteOffset + at) % 4 === 0) {
    const s = new Float32Array(v.buffer, v.byteOffset + at, frames * channels);
    if (channels === 1) out.set(s, outAt);
    else {
      for (let f = 0, i = 0; f < frames; f++, i += channels) {
        let sum = s[i];
        for (let c = 1; c < channels; c++) sum = Math.fround(sum + s[i + c]);
        out[outAt + f] = sum / channels;
      }
    }
    return;
  }
  for (let f = 0; f < frames; f++, at += 4 * channels) {
    let sum = v.getFloat32(at, true);
    for (let c = 1; c < channels; c++) sum = Math.fround(sum + v.getFloat32(at + 4 * c, true));
    out[outAt + f] = sum / channels;
  }
};

// soundfile reads float64 files as float32: each value is rounded before the mean.
const float64Frames: FrameLoop = (v, at, frames, channels, out, outAt) => {
  for (let f = 0; f < frames; f++, at += 8 * channels) {
    let sum = Math.fround(v.getFloat64(at, true));
    for (let c = 1; c < channels; c++) sum = Math.fround(sum + Math.fround(v.getFloat64(at + 8 * c, true)));
    out[outAt + f] = sum / channels;
  }
};

/** G.711 expansion to 16-bit (the ITU reference tables libsndfile uses), then / 2^15 like any int16. */
function alawToInt16(code: number): number {
  const a = code ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = seg === 0 ? t + 8 : (t + 0x108) << Math.max(0, seg - 1);
  return a & 0x80 ? t : -t;
}

function mulawToInt16(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** 256-entry code → float tables (constants, built once). */
const ALAW_TABLE = Float32Array.from({ length: 256 }, (_, c) => alawToInt16(c) * INT16_SCALE);
const MULAW_TABLE = Float32Array.from({ length: 256 }, (_, c) => mulawToInt16(c) * INT16_SCALE);

function g711Frames(table: Float32Array): FrameLoop {
  return (v, at, frames, channels, out, outAt) => {
    for (let f = 0; f < frames; f++, at += channels) {
      let sum = table[v.getUint8(at)];
      for (let c = 1; c < channels; c++) sum = Math.fround(sum + table[v.getUint8(at + c)]);
      out[outAt + f] = sum / channels;
    }
  };
}
const alawFrames = g711Frames(ALAW_TABLE);
const mulawFrames = g711Frames(MULAW_TABLE);

function frameLoop(format: WavFormat): FrameLoop {
  if (format.encoding === 'alaw') return alawFrames;
  if (format.encoding === 'mulaw') return mulawFrames;
  if (format.encoding === 'float') return format.bitsPerSample === 32 ? float32Frames : float64Frames;
  switch (format.bitsPerSample) {
    case 8:
      return uint8Frames;
    case 16:
      return int16Frames;
    case 24:
      return int24Frames;
    default:
      return int32Frames;
  }
}

/**
 * Decodes `frames` whole frames starting at `bytes[byteOffset]` into `out[outOffset...]` as the float32
 * channel mean. `firstFrame` only numbers frames in error messages. Throws 'non_finite' on NaN/Inf.
 */
export function decodeFramesToMono(options: {
  format: WavFormat;
  bytes: Uint8Array;
  byteOffset: number;
  frames: number;
  out: Float32Array;
  outOffset: number;
  firstFrame?: number;
}): void {
  const { format, bytes, byteOffset, frames, out, outOffset } = options;
  const end = byteOffset + frames * format.blockAlign;
  if (frames < 0 || end > bytes.length || outOffset + frames > out.length) {
    throw new RangeError('decodeFramesToMono: frames out of range');
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isFloat = format.encoding === 'float';
  frameLoop(format)(v, byteOffset, frames, format.channels, out, outOffset);
  if (isFloat) {
    for (let f = 0; f < frames; f++) {
      if (!Number.isFinite(out[outOffset + f])) {
        const frame = (options.firstFrame ?? 0) + f;
        throw new AudioDecodeError(
          'non_finite',
          `sample data contains NaN or Infinity (frame ${frame}, ${(frame / format.sampleRate).toFixed(3)} s)`,
        );
      }
    }
  }
}

/** Decodes a whole WAV in memory. Throws AudioDecodeError on anything it cannot read. */
export function decodeWav(bytes: Uint8Array, options?: DecodeOptions): DecodedWav {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeWav: bytes must be a Uint8Array');
  assertSize(bytes.length, resolveMaxBytes(options));
  const layout = readWavLayoutSync(bytes);
  const { format, frames } = layout;
  const mono = new Float32Array(frames);
  decodeFramesToMono({ format, bytes, byteOffset: layout.dataOffset, frames, out: mono, outOffset: 0 });
  return {
    sampleRate: format.sampleRate,
    channels: format.channels,
    bitsPerSample: format.bitsPerSample,
    format: format.encoding === 'float' ? 'float' : 'pcm',
    encoding: format.encoding,
    frames,
    mono,
  };
}
