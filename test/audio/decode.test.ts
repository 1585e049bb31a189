import { decodeWav } from '../../shared/audio/decode';
import { loadAudio } from '../../shared/audio/load';
import { encodeWav16 } from '../../shared/audio/encode';
import { SAMPLE_RATE } from '../../shared/constants';
import { subformatGuid, writeWav } from './wav-writer';

const f32 = (values: number[]) => Float32Array.from(values);

describe('decodeWav: sample encodings (soundfile scaling)', () => {
  test('8-bit unsigned PCM: (x - 128) / 128', () => {
    const d = decodeWav(writeWav({ sampleRate: 8000, channels: 1, encoding: 'pcm', bitsPerSample: 8, samples: [0, 128, 255, 1, 192] }));
    expect(d).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 8, format: 'pcm', frames: 5 });
    expect(d.mono).toEqual(f32([-1, 0, 127 / 128, -127 / 128, 0.5]));
  });

  test('16-bit PCM: x / 32768', () => {
    const d = decodeWav(writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [-32768, 0, 32767, 1234, -1] }));
    expect(d.mono).toEqual(f32([-1, 0, 32767 / 32768, 1234 / 32768, -1 / 32768]));
  });

  test('24-bit PCM: x / 2^23 (sign-extended)', () => {
    const codes = [-8388608, 8388607, -1, 12345, -4194304, 65536];
    const d = decodeWav(writeWav({ sampleRate: 48000, channels: 1, encoding: 'pcm', bitsPerSample: 24, samples: codes }));
    expect(d.bitsPerSample).toBe(24);
    expect(d.mono).toEqual(f32(codes.map((c) => c / 2 ** 23)));
  });

  test('32-bit PCM: x / 2^31 after libsndfile rounds the int to float32', () => {
    const codes = [-2147483648, 2147483647, 123456789, -1, 1 << 30];
    const d = decodeWav(writeWav({ sampleRate: 96000, channels: 1, encoding: 'pcm', bitsPerSample: 32, samples: codes }));
    // 2147483647 → float32 2^31 → exactly 1.0; 123456789 → float32 123456792.
    expect(Array.from(d.mono)).toEqual([-1, 1, 123456792 / 2 ** 31, -1 / 2 ** 31, 0.5]);
  });

  test('IEEE float 32: kept as is, including values beyond ±1', () => {
    const values = [0.25, -1.5, 3.0000001192092896, 1e-30, -0];
    const d = decodeWav(writeWav({ sampleRate: 22050, channels: 1, encoding: 'float', bitsPerSample: 32, samples: values }));
    expect(d.format).toBe('float');
    expect(d.mono).toEqual(f32(values));
  });

  test('IEEE float 64: rounded to float32', () => {
    const values = [0.1, -0.7, 1 / 3, 2.5];
    const d = decodeWav(writeWav({ sampleRate: 16000, channels: 1, encoding: 'float', bitsPerSample: 64, samples: values }));
    expect(d.bitsPerSample).toBe(64);
    expect(Array.from(d.mono)).toEqual(values.map(Math.fround));
  });

  test('G.711 A-law and mu-law: the ITU expansion to 16 bits, / 32768', () => {
    const alaw = decodeWav(writeWav({ sampleRate: 8000, channels: 1, encoding: 'pcm', bitsPerSample: 8, formatTag: 6, samples: [0xd5, 0x55, 0xaa, 0x2a] }));
    expect(alaw).toMatchObject({ format: 'pcm', encoding: 'alaw', bitsPerSample: 8 });
    expect(alaw.mono).toEqual(f32([8, -8, 32256, -32256].map((v) => v / 32768)));
    const mulaw = decodeWav(writeWav({ sampleRate: 8000, channels: 2, encoding: 'pcm', bitsPerSample: 8, formatTag: 7, samples: [0x00, 0x80, 0xff, 0x00] }));
    expect(mulaw).toMatchObject({ format: 'pcm', encoding: 'mulaw', channels: 2 });
    // (-32124 + 32124) / 2 = 0; (0 + -32124) / 2
    expect(mulaw.mono).toEqual(f32([0, -32124 / 2 / 32768]));
  });

  test.each([[6, 32256], [7, 32124]])('G.711 tag %i: all 256 codes, sign-symmetric, peak %i', (tag, peak) => {
    const codes = Array.from({ length: 256 }, (_, c) => c);
    const mono = decodeWav(writeWav({ sampleRate: 8000, channels: 1, encoding: 'pcm', bitsPerSample: 8, formatTag: tag, samples: codes })).mono;
    for (let c = 0; c < 256; c++) {
      expect(mono[c]).toBe(-mono[c ^ 0x80] || 0); // || 0: +0 for the mu-law zero codes
      expect(Number.isInteger(mono[c] * 32768)).toBe(true);
    }
    expect(Math.max(...mono) * 32768).toBe(peak);
  });

  test('WAVE_FORMAT_EXTENSIBLE with PCM and float subformats', () => {
    const pcm = decodeWav(
      writeWav({ sampleRate: 48000, channels: 1, encoding: 'pcm', bitsPerSample: 24, samples: [4194304, -8388608], extensible: true }),
    );
    expect(pcm.mono).toEqual(f32([0.5, -1]));
    const float = decodeWav(
      writeWav({ sampleRate: 48000, channels: 1, encoding: 'float', bitsPerSample: 32, samples: [0.125, -0.5], extensible: true }),
    );
    expect(float).toMatchObject({ format: 'float', bitsPerSample: 32 });
    expect(float.mono).toEqual(f32([0.125, -0.5]));
  });
});

describe('decodeWav: channels are averaged (librosa mono=True)', () => {
  test('stereo 16-bit: (L + R) / 2', () => {
    const d = decodeWav(
      writeWav({ sampleRate: 44100, channels: 2, encoding: 'pcm', bitsPerSample: 16, samples: [16384, -16384, 32767, 32767, 100, 300, -32768, 0] }),
    );
    expect(d).toMatchObject({ channels: 2, frames: 4 });
    expect(d.mono).toEqual(f32([0, 32767 / 32768, 200 / 32768, -0.5]));
  });

  test('6-channel 24-bit: sum / 6, rounded once to float32', () => {
    const frames = [
      [1, 2, 3, 4, 5, 6],
      [8388607, 0, 0, 0, 0, 8388607],
      [8388607, -8388608, 8388607, -8388608, 8388607, 8388607],
      [-8388608, 0, 0, 0, 0, 0],
      [100, -200, 300, -400, 500, -600],
    ];
    const d = decodeWav(writeWav({ sampleRate: 48000, channels: 6, encoding: 'pcm', bitsPerSample: 24, samples: frames.flat() }));
    expect(d).toMatchObject({ channels: 6, frames: 5 });
    // Every partial sum is exact in float32 here, so the only rounding is the final division.
    expect(Array.from(d.mono)).toEqual(frames.map((f) => Math.fround(f.reduce((a, b) => a + b, 0) / 2 ** 23 / 6)));
  });

  test('stereo float32: float32 sum then halve', () => {
    const d = decodeWav(writeWav({ sampleRate: 32000, channels: 2, encoding: 'float', bitsPerSample: 32, samples: [0.1, 0.2, 1, -3] }));
    expect(Array.from(d.mono)).toEqual([Math.fround(Math.fround(Math.fround(0.1) + Math.fround(0.2)) / 2), -1]);
  });
});

describe('decodeWav: sample rates and chunk layouts', () => {
  test.each([8000, 11025, 22050, 44100, 48000, 96000, 192000])('%i Hz is read and resampled to 22050 Hz', (rate) => {
    const samples = Array.from({ length: rate / 5 }, (_, i) => Math.round(10000 * Math.sin(i / 7)) + 0); // + 0: no -0
    const bytes = writeWav({ sampleRate: rate, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples });
    const d = decodeWav(bytes);
    expect(d).toMatchObject({ sampleRate: rate, frames: rate / 5 });
    expect(d.mono).toEqual(Float32Array.from(samples, (s) => s / 32768));
    const loaded = loadAudio(bytes);
    expect(loaded.sampleRate).toBe(rate);
    expect(loaded.durationSec).toBeCloseTo(0.2, 12);
    expect(loaded.samples.length).toBe(SAMPLE_RATE / 5);
  });

  test('unknown chunks before fmt, between fmt and data, and after data are skipped', () => {
    const samples = [1, -2, 3, -4];
    const bytes = writeWav({
      sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples,
      extraChunks: [
        { id: 'JUNK', body: new Uint8Array(28), position: 'before-fmt' },
        { id: 'bext', body: new Uint8Array(602).fill(0x41) },
        { id: 'fact', body: Uint8Array.from([4, 0, 0, 0]) },
        { id: 'LIST', body: new TextEncoder().encode('INFOISFT\x05\x00\x00\x00odd!!') }, // odd size → pad byte
        { id: 'LIST', body: new Uint8Array(33), position: 'after-data' },
      ],
    });
    expect(decodeWav(bytes).mono).toEqual(f32(samples.map((s) => s / 32768)));
  });

  test('an odd-sized chunk written without its pad byte is still found', () => {
    const bytes = writeWav({
      sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [7, 8],
      extraChunks: [{ id: 'LIST', body: new Uint8Array(13).fill(0x20), omitPad: true }],
    });
    expect(decodeWav(bytes).mono).toEqual(f32([7 / 32768, 8 / 32768]));
  });

  test('data size 0xFFFFFFFF (unfinished streaming recording): samples run to end of file, partial frame dropped', () => {
    const bytes = writeWav({
      sampleRate: 48000, channels: 2, encoding: 'pcm', bitsPerSample: 16, samples: [1, 3, 5, 7, 9, 11],
      dataSize: 0xffffffff, riffSize: 0xffffffff, trailing: Uint8Array.from([1, 2, 3]),
    });
    const d = decodeWav(bytes);
    // 12 data bytes + 3 trailing bytes = 3 whole 4-byte frames and a partial one.
    expect(d.frames).toBe(3);
    expect(d.mono).toEqual(f32([2 / 32768, 6 / 32768, 10 / 32768]));
  });

  test('data size 0 with a placeholder RIFF size: samples run to end of file', () => {
    const bytes = writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [5, 6, 7], dataSize: 0, riffSize: 0 });
    expect(decodeWav(bytes).mono).toEqual(f32([5 / 32768, 6 / 32768, 7 / 32768]));
  });

  test('a data chunk declared longer than the file (cut-off upload): the whole frames present are read', () => {
    const full = writeWav({ sampleRate: 44100, channels: 2, encoding: 'pcm', bitsPerSample: 24, samples: [1, 2, 3, 4, 5, 6, 7, 8] });
    const cut = full.subarray(0, full.length - 4); // last frame loses 4 of its 6 bytes
    const d = decodeWav(cut);
    expect(d.frames).toBe(3);
    expect(Array.from(d.mono)).toEqual([1.5, 3.5, 5.5].map((m) => Math.fround(m / 2 ** 23)));
  });

  test('round trip through encodeWav16', () => {
    const samples = Float32Array.from({ length: 500 }, (_, i) => 0.8 * Math.sin(i / 5));
    const d = decodeWav(encodeWav16(samples, 22050));
    for (let i = 0; i < samples.length; i++) expect(Math.abs(d.mono[i] - samples[i])).toBeLessThanOrEqual(1.5 / 32768);
    // At 22050 Hz loadAudio does not resample at all.
    expect(loadAudio(encodeWav16(samples, 22050)).samples).toEqual(d.mono);
  });

  test.each([
    ['16-bit mono', 'pcm', 16, 1],
    ['16-bit stereo', 'pcm', 16, 2],
    ['16-bit 3-channel', 'pcm', 16, 3],
    ['float32 mono', 'float', 32, 1],
    ['float32 stereo', 'float', 32, 2],
  ] as const)('%s decodes identically from aligned and unaligned buffers', (_name, encoding, bitsPerSample, channels) => {
    const samples = Array.from({ length: 300 * channels }, (_, i) => (encoding === 'pcm' ? ((i * 7919) % 65536) - 32768 : Math.sin(i)));
    const bytes = writeWav({ sampleRate: 44100, channels, encoding, bitsPerSample, samples });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 1);
    const unaligned = shifted.subarray(1, 1 + bytes.length);
    const a = decodeWav(bytes).mono;
    expect(decodeWav(unaligned).mono).toEqual(a);
    const scale = encoding === 'pcm' ? 1 / 32768 : 1;
    for (let f = 0; f < 300; f += 37) {
      let sum = Math.fround(samples[f * channels] * scale);
      for (let c = 1; c < channels; c++) sum = Math.fround(sum + Math.fround(samples[f * channels + c] * scale));
      expect(a[f]).toBe(Math.fround(sum / channels));
    }
  });

  test('extensible subformat GUID is checked byte for byte', () => {
    const guid = subformatGuid(1);
    guid[15] ^= 0xff;
    expect(() =>
      decodeWav(writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [1], extensible: true, subformatGuid: guid })),
    ).toThrow(expect.objectContaining({ code: 'unsupported_format' }));
  });
});
