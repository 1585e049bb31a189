/**
 * Streaming `librosa.load`: reads a WAV through range reads and yields consecutive mono float32 chunks at
 * SAMPLE_RATE whose concatenation is bit-identical to `loadAudio(bytes).samples`. Memory is bounded by the
 * read size plus the filter's reach (a few hundred samples), whatever the length of the take.
 */
import { SAMPLE_RATE } from '../constants';
import { assertSize, decodeFramesToMono, resolveMaxBytes } from './decode';
import { AudioDecodeError } from './errors';
import { createResamplePlan, renderResampled, resampledLength, resampyLength, ResamplePlan } from './resample';
import { ByteSource } from './source';
import { readWavLayout, SampleEncoding, WavLayout } from './wav-header';

export interface WavStream {
  /** The file's own sample rate. */
  sampleRate: number;
  channels: number;
  durationSec: number;
  bitsPerSample: number;
  format: 'pcm' | 'float';
  encoding: SampleEncoding;
  /** Frames in the file (at `sampleRate`). */
  frames: number;
  /** Total mono samples the chunks add up to (at SAMPLE_RATE). */
  length: number;
  /** Each call reads the source again from the start. */
  chunks(): AsyncIterable<Float32Array>;
}

export interface WavStreamOptions {
  maxBytes?: number;
  /** Seconds of the file read per range request (default 10). */
  chunkSeconds?: number;
  /** Bytes per range request, overriding chunkSeconds; need not be a whole number of frames. */
  readBytes?: number;
  /**
   * Yield every chunk in one reused buffer: a chunk is then valid only until the next one is requested. For
   * consumers that copy what they keep (the report): on these VMs fresh memory costs more than decoding it.
   */
  reuseChunks?: boolean;
}

const DEFAULT_CHUNK_SECONDS = 10;

export async function openWavStream(source: ByteSource, options?: WavStreamOptions): Promise<WavStream> {
  if (!source || typeof source.read !== 'function' || !Number.isInteger(source.size) || source.size < 0) {
    throw new TypeError('openWavStream: source must be a ByteSource');
  }
  assertSize(source.size, resolveMaxBytes(options));
  const chunkSeconds = options?.chunkSeconds ?? DEFAULT_CHUNK_SECONDS;
  if (!(chunkSeconds > 0)) throw new TypeError(`openWavStream: chunkSeconds must be positive, got ${chunkSeconds}`);
  const layout = await readWavLayout(source.size, (offset, length) => source.read(offset, length));
  const { format } = layout;
  const plan = format.sampleRate === SAMPLE_RATE ? null : createResamplePlan({ fromRate: format.sampleRate, toRate: SAMPLE_RATE });
  const readBytes = options?.readBytes ?? Math.max(1, Math.round(chunkSeconds * format.sampleRate)) * format.blockAlign;
  if (!Number.isInteger(readBytes) || readBytes <= 0) throw new TypeError(`openWavStream: readBytes must be a positive integer`);
  return {
    sampleRate: format.sampleRate,
    channels: format.channels,
    durationSec: layout.frames / format.sampleRate,
    bitsPerSample: format.bitsPerSample,
    format: format.encoding === 'float' ? 'float' : 'pcm',
    encoding: format.encoding,
    frames: layout.frames,
    length: resampledLength(layout.frames, format.sampleRate, SAMPLE_RATE),
    chunks: () => streamChunks({ source, layout, plan, readBytes, reuseChunks: options?.reuseChunks === true }),
  };
}

/** Decoded mono input samples [start, end) kept for the resampler: history behind, lookahead ahead. */
class SampleWindow {
  data = new Float32Array(0);
  start = 0;
  end = 0;

  /** Makes room for `count` more samples after dropping everything before `keepFrom`. */
  reserve(keepFrom: number, count: number): void {
    const drop = Math.min(Math.max(0, keepFrom - this.start), this.end - this.start);
    if (drop > 0) {
      this.data.copyWithin(0, drop, this.end - this.start);
      this.start += drop;
    }
    const needed = this.end - this.start + count;
    if (needed > this.data.length) {
      const grown = new Float32Array(Math.max(needed, Math.ceil(this.data.length * 1.5)));
      grown.set(this.data.subarray(0, this.end - this.start));
      this.data = grown;
    }
  }
}

async function* streamChunks(options: {
  source: ByteSource;
  layout: WavLayout;
  /** null when the file is already at SAMPLE_RATE. */
  plan: ResamplePlan | null;
  readBytes: number;
  reuseChunks: boolean;
}): AsyncGenerator<Float32Array> {
  const { source, layout, plan, readBytes, reuseChunks } = options;
  const { format, frames: totalFrames } = layout;
  const { blockAlign } = format;
  const totalOut = resampledLength(totalFrames, format.sampleRate, SAMPLE_RATE);
  const window = new SampleWindow();
  let carry = new Uint8Array(0); // bytes of a frame split across two reads
  // Sample bytes are decoded before the next read, so a source that can fill a buffer fills the same one each time.
  let readBuffer = new Uint8Array(0);
  const readRange = async (offset: number, length: number): Promise<Uint8Array> => {
    if (!source.readInto) return (await source.read(offset, length)).subarray(0, length);
    if (readBuffer.length < length) readBuffer = new Uint8Array(length);
    return readBuffer.subarray(0, await source.readInto(offset, readBuffer.subarray(0, length)));
  };
  let chunk = new Float32Array(0);
  /** The next chunk's `length` samples: a new array, or a view of the one reused buffer (reuseChunks). */
  const chunkBuffer = (length: number): Float32Array => {
    if (!reuseChunks) return new Float32Array(length);
    if (chunk.length < length) chunk = new Float32Array(length);
    return chunk.subarray(0, length);
  };
  let bytePos = 0;
  let nextOut = 0;

  while (window.end < totalFrames) {
    const length = Math.min(readBytes, layout.dataBytes - bytePos);
    const got = await readRange(layout.dataOffset + bytePos, length);
    if (got.length < length) {
      throw new AudioDecodeError('truncated', `the source ended at byte ${layout.dataOffset + bytePos + got.length} while reading samples`);
    }
    bytePos += length;
    let bytes = got;
    if (carry.length > 0) {
      bytes = new Uint8Array(carry.length + got.length);
      bytes.set(carry);
      bytes.set(got, carry.length);
    }
    const frames = Math.floor(bytes.length / blockAlign);
    carry = bytes.slice(frames * blockAlign);
    if (frames === 0) continue;

    if (!plan) {
      const out = chunkBuffer(frames);
      decodeFramesToMono({ format, bytes, byteOffset: 0, frames, out, outOffset: 0, firstFrame: window.end });
      window.end += frames;
      window.start = window.end;
      nextOut += frames;
      yield out;
      continue;
    }

    // Keep the history the next output needs, then append the new frames.
    const nNext = Math.floor((nextOut * plan.down) / plan.up);
    window.reserve(nNext - plan.maxLeft + 1, frames);
    decodeFramesToMono({
      format, bytes, byteOffset: 0, frames, out: window.data, outOffset: window.end - window.start, firstFrame: window.end,
    });
    window.end += frames;

    // Outputs whose rightmost tap is already decoded (all of them once the input is complete).
    let ready: number;
    if (window.end >= totalFrames) ready = totalOut;
    else {
      const limit = (window.end - plan.maxRight) * plan.up;
      ready = limit <= 0 ? 0 : Math.min(Math.ceil(limit / plan.down), resampyLength(totalFrames, plan.fromRate, plan.toRate));
    }
    if (ready > nextOut) {
      const out = chunkBuffer(ready - nextOut);
      renderResampled({
        plan, x: window.data.subarray(0, window.end - window.start), xStart: window.start,
        inputLength: totalFrames, tFrom: nextOut, tTo: ready, out, outOffset: 0,
      });
      nextOut = ready;
      yield out;
    }
  }
  if (nextOut < totalOut) {
    // Only librosa's zero padding can remain (e.g. a file too short for any resampled output).
    yield new Float32Array(totalOut - nextOut);
  }
}
