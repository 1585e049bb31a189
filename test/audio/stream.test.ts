import { AudioDecodeError } from '../../shared/audio/errors';
import { loadAudio } from '../../shared/audio/load';
import { ByteSource, bytesSource, objectSource } from '../../shared/audio/source';
import { openWavStream, WavStreamOptions } from '../../shared/audio/stream';
import { SAMPLE_RATE } from '../../shared/constants';
import { MemoryStore } from '../../shared/storage/memory';
import { readReferenceBytes } from '../helpers/reference';
import { writeWav } from './wav-writer';

async function collect(source: ByteSource, options?: WavStreamOptions): Promise<{ samples: Float32Array; chunks: number; largest: number }> {
  const stream = await openWavStream(source, options);
  const parts: Float32Array[] = [];
  // A reused chunk buffer is only valid until the next chunk: copy it, as the report does.
  for await (const chunk of stream.chunks()) parts.push(options?.reuseChunks ? chunk.slice() : chunk);
  const samples = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    samples.set(p, at);
    at += p.length;
  }
  expect(samples.length).toBe(stream.length);
  return { samples, chunks: parts.length, largest: Math.max(0, ...parts.map((p) => p.length)) };
}

/** A ByteSource that also fills caller buffers (readInto), as a local file does; `cut` bytes are missing at its end. */
function fillingSource(bytes: Uint8Array, cut = 0): ByteSource {
  const available = bytes.length - cut;
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.slice(offset, Math.min(available, offset + length)),
    readInto: async (offset, target) => {
      const part = bytes.subarray(Math.min(offset, available), Math.min(available, offset + target.length));
      target.set(part);
      return part.length;
    },
  };
}

function tone(frames: number, channels: number, seed: number): number[] {
  return Array.from({ length: frames * channels }, (_, i) => Math.round(20000 * Math.sin(i * 0.0137 + seed) * Math.cos(i * 0.00071)) + 0);
}

describe('openWavStream: chunk concatenation equals loadAudio bit for bit', () => {
  const files: [string, Uint8Array][] = [
    ['44.1 kHz 16-bit stereo', writeWav({ sampleRate: 44100, channels: 2, encoding: 'pcm', bitsPerSample: 16, samples: tone(6000, 2, 1) })],
    ['48 kHz 24-bit stereo', writeWav({ sampleRate: 48000, channels: 2, encoding: 'pcm', bitsPerSample: 24, samples: tone(6011, 2, 2).map((v) => v * 100) })],
    ['8 kHz 16-bit mono (upsampling)', writeWav({ sampleRate: 8000, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: tone(3001, 1, 3) })],
    ['22.05 kHz 16-bit mono (no resampling)', writeWav({ sampleRate: 22050, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: tone(3000, 1, 4) })],
    ['96 kHz 6-channel 16-bit', writeWav({ sampleRate: 96000, channels: 6, encoding: 'pcm', bitsPerSample: 16, samples: tone(9000, 6, 5) })],
  ];

  test.each(files)('%s, many read sizes (including ones that split frames)', async (_name, bytes) => {
    const batch = loadAudio(bytes).samples;
    // 1-byte reads only where they are cheap; every other size splits frames too (except whole-file).
    const sizes = bytes.length < 30000 ? [1, 7, 333, 4097, bytes.length] : [7, 333, 4097, bytes.length];
    for (const readBytes of sizes) {
      const { samples } = await collect(bytesSource(bytes), { readBytes });
      expect(samples).toEqual(batch);
    }
    const { samples, chunks } = await collect(bytesSource(bytes), { chunkSeconds: 0.01 });
    expect(samples).toEqual(batch);
    expect(chunks).toBeGreaterThan(3);
  });

  test.each(files)('%s, from a source that fills one reused buffer, into one reused chunk buffer', async (_name, bytes) => {
    const batch = loadAudio(bytes).samples;
    for (const readBytes of [7, 4097, bytes.length]) {
      const { samples } = await collect(fillingSource(bytes), { readBytes, reuseChunks: true });
      expect(samples).toEqual(batch);
    }
    const stream = await openWavStream(fillingSource(bytes), { chunkSeconds: 0.01, reuseChunks: true });
    // Each chunk reuses the buffer before it when it fits (it grows otherwise); only librosa's trailing zero
    // padding, at most one chunk, is always new.
    let previous: Float32Array | null = null;
    let fresh = 0;
    let chunks = 0;
    for await (const chunk of stream.chunks()) {
      if (previous && chunk.length <= previous.buffer.byteLength / 4 && chunk.buffer !== previous.buffer) fresh++;
      previous = chunk;
      chunks++;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(fresh).toBeLessThanOrEqual(1);
  });

  test('the reference chirps, streamed, equal loadAudio', async () => {
    for (const name of ['chirp_16000_float32_mono', 'chirp_44100_pcm24_stereo', 'chirp_48000_pcm16_mono', 'chirp_96000_pcm32_mono']) {
      const bytes = readReferenceBytes('librosa', 'resample', `${name}.wav`);
      const { samples } = await collect(bytesSource(bytes), { chunkSeconds: 0.3 });
      expect(samples).toEqual(loadAudio(bytes).samples);
    }
  });

  test('metadata comes from the header; chunks() can be iterated again', async () => {
    const bytes = writeWav({ sampleRate: 48000, channels: 2, encoding: 'float', bitsPerSample: 32, samples: tone(4800, 2, 6).map((v) => v / 40000) });
    const stream = await openWavStream(bytesSource(bytes), { chunkSeconds: 0.01 });
    expect(stream).toMatchObject({ sampleRate: 48000, channels: 2, bitsPerSample: 32, format: 'float', frames: 4800, length: 2205 });
    expect(stream.durationSec).toBeCloseTo(0.1, 12);
    const first: Float32Array[] = [];
    for await (const c of stream.chunks()) first.push(c);
    const second: Float32Array[] = [];
    for await (const c of stream.chunks()) second.push(c);
    expect(second).toEqual(first);
  });

  test('a very short file yields only librosa’s zero padding', async () => {
    const bytes = writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [1000] });
    const { samples } = await collect(bytesSource(bytes));
    expect(Array.from(samples)).toEqual(Array.from(loadAudio(bytes).samples));
    expect(samples.length).toBe(1);
  });

  test('reads through an ObjectStore with range requests', async () => {
    const store = new MemoryStore();
    const bytes = writeWav({ sampleRate: 44100, channels: 2, encoding: 'pcm', bitsPerSample: 16, samples: tone(10000, 2, 7) });
    await store.write('takes/a.wav', bytes);
    const { samples } = await collect(await objectSource(store, 'takes/a.wav'), { readBytes: 5000 });
    expect(samples).toEqual(loadAudio(bytes).samples);
    await expect(objectSource(store, 'takes/missing.wav')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('openWavStream: bounded memory and bad input', () => {
  test('a 60-minute 48 kHz 24-bit stereo take is never decoded at once', async () => {
    // A synthetic source: a valid header followed by 60 minutes of a repeating pattern, never materialised.
    const frames = 48000 * 60 * 60;
    const header = writeWav({ sampleRate: 48000, channels: 2, encoding: 'pcm', bitsPerSample: 24, samples: [] }).slice();
    new DataView(header.buffer).setUint32(header.length - 4, frames * 6, true);
    const size = header.length + frames * 6;
    let largestRead = 0;
    const source: ByteSource = {
      size,
      read: async (offset, length) => {
        largestRead = Math.max(largestRead, length);
        const out = new Uint8Array(Math.min(length, size - offset));
        for (let i = 0; i < out.length; i++) {
          const at = offset + i;
          out[i] = at < header.length ? header[at] : (at * 31) & 0xff;
        }
        return out;
      },
    };
    const stream = await openWavStream(source, { chunkSeconds: 5 });
    expect(stream.durationSec).toBe(3600);
    expect(stream.length).toBe(SAMPLE_RATE * 3600);
    // Read the first 20 s only: the point is the size of each step, not the total.
    let total = 0;
    let largestChunk = 0;
    for await (const chunk of stream.chunks()) {
      total += chunk.length;
      largestChunk = Math.max(largestChunk, chunk.length);
      if (total > SAMPLE_RATE * 20) break;
    }
    expect(largestRead).toBe(48000 * 5 * 6);
    expect(largestChunk).toBeLessThanOrEqual(SAMPLE_RATE * 5 + 1);
  });

  test('opening costs one range request for a normal header, a few more for a header past 64 KiB', async () => {
    const counting = (bytes: Uint8Array) => {
      const reads: number[] = [];
      const source: ByteSource = { size: bytes.length, read: async (o, l) => (reads.push(l), bytes.subarray(o, o + l)) };
      return { source, reads };
    };
    const plain = counting(writeWav({ sampleRate: 44100, channels: 2, encoding: 'pcm', bitsPerSample: 16, samples: tone(50000, 2, 9) }));
    await openWavStream(plain.source);
    expect(plain.reads).toEqual([65536]);
    const bigBext = counting(
      writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: tone(100, 1, 9), extraChunks: [{ id: 'bext', body: new Uint8Array(70000) }] }),
    );
    const stream = await openWavStream(bigBext.source);
    expect(bigBext.reads.length).toBe(2); // the prefix, then the data chunk header past it
    expect(stream.frames).toBe(100);
  });

  test('header errors surface from openWavStream with their codes', async () => {
    await expect(openWavStream(bytesSource(new TextEncoder().encode('not a wav at all, sorry')))).rejects.toMatchObject({ code: 'not_wav' });
    await expect(openWavStream(bytesSource(new Uint8Array(0)))).rejects.toMatchObject({ code: 'empty' });
    const big: ByteSource = { size: 2 ** 40, read: async () => { throw new Error('must not be read'); } };
    await expect(openWavStream(big)).rejects.toMatchObject({ code: 'too_large' });
    const bytes = writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [1, 2, 3] });
    await expect(openWavStream(bytesSource(bytes), { maxBytes: 10 })).rejects.toBeInstanceOf(AudioDecodeError);
  });

  test('NaN deep in the data is reported while streaming (non_finite)', async () => {
    const samples = new Array(20000).fill(0.25);
    samples[15000] = NaN;
    const bytes = writeWav({ sampleRate: 44100, channels: 1, encoding: 'float', bitsPerSample: 32, samples });
    const stream = await openWavStream(bytesSource(bytes), { chunkSeconds: 0.05 });
    const consume = async () => {
      for await (const chunk of stream.chunks()) void chunk;
    };
    await expect(consume()).rejects.toMatchObject({ code: 'non_finite', message: expect.stringMatching(/frame 15000/) });
  });

  test('a source shorter than it claims is reported as truncated', async () => {
    // Larger than the 64 KiB header prefetch, so the shortfall shows while reading samples.
    const bytes = writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: tone(50000, 1, 8) });
    const lying: ByteSource = { size: bytes.length, read: async (o, l) => bytes.subarray(o, Math.min(o + l, bytes.length - 100)) };
    const tiny = bytes.subarray(0, 2000);
    const lyingTiny: ByteSource = { size: tiny.length, read: async (o, l) => tiny.subarray(o, Math.min(o + l, tiny.length - 100)) };
    await expect(openWavStream(lyingTiny)).rejects.toMatchObject({ code: 'truncated' });
    for (const source of [lying, fillingSource(bytes, 100)]) {
      const stream = await openWavStream(source, { readBytes: 10000 });
      const consume = async () => {
        for await (const chunk of stream.chunks()) void chunk;
      };
      await expect(consume()).rejects.toMatchObject({ code: 'truncated' });
    }
  });

  test('misuse is a TypeError', async () => {
    await expect(openWavStream({} as ByteSource)).rejects.toThrow(TypeError);
    const bytes = writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [1] });
    await expect(openWavStream(bytesSource(bytes), { chunkSeconds: 0 })).rejects.toThrow(TypeError);
    expect(() => bytesSource('x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
