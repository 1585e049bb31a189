import { decodeWav } from '../../shared/audio/decode';
import { AUDIO_ERROR_CODES, AudioDecodeError } from '../../shared/audio/errors';
import { loadAudio } from '../../shared/audio/load';
import { BuzzfinderError } from '../../shared/errors';
import { Rng } from '../../shared/rng';
import { WavSpec, writeWav } from './wav-writer';

const base: WavSpec = { sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: [1, 2, 3, 4] };
const wav = (overrides: Partial<WavSpec>) => writeWav({ ...base, ...overrides });

/** Asserts decodeWav throws an AudioDecodeError with `code` (and a message matching `message`, if given). */
function expectCode(bytes: Uint8Array, code: string, message?: RegExp, options?: { maxBytes?: number }): void {
  let caught: unknown;
  try {
    decodeWav(bytes, options);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AudioDecodeError);
  expect(caught).toBeInstanceOf(BuzzfinderError);
  expect((caught as AudioDecodeError).code).toBe(code);
  if (message) expect((caught as Error).message).toMatch(message);
}

describe('bad input → AudioDecodeError with a stable code', () => {
  test('the codes are the agreed set', () => {
    expect([...AUDIO_ERROR_CODES].sort()).toEqual(
      ['bad_sample_rate', 'empty', 'no_channels', 'non_finite', 'not_wav', 'too_large', 'truncated', 'unsupported_format'],
    );
  });

  test('not_wav: not a RIFF/WAVE file', () => {
    expectCode(new TextEncoder().encode('ID3\x04 this is an mp3 file, honest'), 'not_wav');
    const avi = wav({});
    avi.set(new TextEncoder().encode('AVI '), 8);
    expectCode(avi, 'not_wav');
  });

  test('not_wav: data before fmt, a corrupt chunk id, a fmt chunk that is too short', () => {
    const good = wav({});
    const dataFirst = new Uint8Array(good.length);
    dataFirst.set(good.subarray(0, 12));
    dataFirst.set(good.subarray(36), 12); // data chunk (8 + 8 bytes)
    dataFirst.set(good.subarray(12, 36), 12 + good.length - 36); // then fmt
    expectCode(dataFirst, 'not_wav', /before any fmt/);

    const corrupt = wav({ extraChunks: [{ id: '\x00\x01\x02\x03', body: new Uint8Array(4) }] });
    expectCode(corrupt, 'not_wav', /corrupt chunk id/);

    const shortFmt = wav({});
    new DataView(shortFmt.buffer).setUint32(16, 14, true); // fmt declares 14 bytes
    expectCode(shortFmt, 'not_wav');
  });

  test('not_wav: thousands of tiny chunks and no data (bounded work, no hang)', () => {
    const chunks = Array.from({ length: 5000 }, () => ({ id: 'junk', body: new Uint8Array(0), position: 'before-fmt' as const }));
    expectCode(wav({ extraChunks: chunks }), 'not_wav', /first 4096 chunks/);
  });

  test('truncated: header cut short, fmt cut, no data chunk, data declared but less than one frame present', () => {
    const good = wav({ channels: 2, samples: [1, 2, 3, 4] });
    expectCode(good.subarray(0, 10), 'truncated');
    expectCode(good.subarray(0, 30), 'truncated', /fmt/); // inside the fmt chunk
    expectCode(good.subarray(0, 36), 'truncated', /'data'/); // fmt complete, no data chunk
    expectCode(good.subarray(0, 47), 'truncated', /less than one 4-byte frame/); // 3 of 8 data bytes
  });

  test('empty: a zero-byte file, a data chunk of size 0', () => {
    expectCode(new Uint8Array(0), 'empty');
    expectCode(wav({ samples: [] }), 'empty');
    expectCode(wav({ samples: [], dataSize: 0xffffffff }), 'empty');
  });

  test('no_channels: the header declares 0 channels', () => {
    expectCode(wav({ channels: 0, blockAlign: 0 }), 'no_channels');
  });

  test.each([0, 1, 4000, 7999, 192001, 10_000_000])('bad_sample_rate: %i Hz', (rate) => {
    expectCode(wav({ sampleRate: rate }), 'bad_sample_rate', new RegExp(`${rate} Hz`));
  });

  test.each([
    ['NaN in float32', 32, [0.5, NaN, 0.25]],
    ['+Infinity in float32', 32, [Infinity, 0]],
    ['-Infinity in float64', 64, [0, -Infinity]],
    ['a float64 beyond float32 range', 64, [1e300]],
  ] as const)('non_finite: %s', (_name, bits, samples) => {
    expectCode(wav({ encoding: 'float', bitsPerSample: bits, samples: [...samples] }), 'non_finite');
  });

  test.each([
    [0x0055, /MP3/],
    [0x0002, /Microsoft ADPCM/],
    [0x0011, /IMA ADPCM/],
    [0x0050, /MPEG/],
    [0x1234, /0x1234/],
  ])('unsupported_format: compressed WAV, format tag 0x%s, is named', (tag, name) => {
    expectCode(wav({ formatTag: tag }), 'unsupported_format', name);
  });

  test('unsupported_format: odd sample sizes, block align mismatch, big-endian RIFX, unknown extensible subformat', () => {
    expectCode(wav({ bitsPerSample: 12, blockAlign: 2, rawData: new Uint8Array(8) }), 'unsupported_format', /12 bits/);
    expectCode(wav({ encoding: 'float', bitsPerSample: 16, rawData: new Uint8Array(8) }), 'unsupported_format', /16 bits/);
    expectCode(wav({ formatTag: 6 }), 'unsupported_format', /A-law sample size: 16 bits/);
    expectCode(wav({ blockAlign: 3 }), 'unsupported_format', /block align 3/);
    expectCode(wav({ channels: 2, blockAlign: 2 }), 'unsupported_format', /block align 2/);
    const rifx = wav({});
    rifx.set(new TextEncoder().encode('RIFX'), 0);
    expectCode(rifx, 'unsupported_format', /RIFX/);
    expectCode(wav({ extensible: true, subformatGuid: new Uint8Array(16).fill(7) }), 'unsupported_format', /GUID/);
  });

  test('too_large: over the configured cap, checked before parsing', () => {
    const bytes = wav({ samples: new Array(1000).fill(0) });
    expectCode(bytes, 'too_large', /limit is 1000 bytes/, { maxBytes: 1000 });
    expect(decodeWav(bytes, { maxBytes: bytes.length }).frames).toBe(1000);
    expect(() => loadAudio(bytes, { maxBytes: 100 })).toThrow(expect.objectContaining({ code: 'too_large' }));
  });

  test('misuse is a TypeError, not an AudioDecodeError', () => {
    expect(() => decodeWav('RIFF' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => decodeWav(wav({}), { maxBytes: -1 })).toThrow(TypeError);
  });
});

describe('never a crash or a hang on damaged files', () => {
  const good = writeWav({
    sampleRate: 48000, channels: 2, encoding: 'pcm', bitsPerSample: 24,
    samples: Array.from({ length: 64 }, (_, i) => (i * 77777) % 8388607),
    extraChunks: [{ id: 'LIST', body: new Uint8Array(21) }],
  });

  test('every truncation either decodes whole frames or throws an AudioDecodeError', () => {
    for (let length = 0; length < good.length; length++) {
      try {
        const d = decodeWav(good.subarray(0, length));
        expect(d.frames).toBeGreaterThan(0);
      } catch (err) {
        expect(err).toBeInstanceOf(AudioDecodeError);
      }
    }
  });

  test('random byte corruption (seeded) never throws anything but an AudioDecodeError', () => {
    const rng = new Rng(20261124);
    let decoded = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const bytes = good.slice();
      const flips = rng.int(1, 6);
      for (let f = 0; f < flips; f++) bytes[rng.int(0, 80)] = rng.int(0, 255);
      try {
        decodeWav(bytes);
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(AudioDecodeError);
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});
