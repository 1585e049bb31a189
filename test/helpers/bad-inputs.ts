/**
 * The bad-input corpus of the classify route and `buzzfinder classify` (test/functions/bad-input-corpus.test.ts,
 * bench/load.ts): every input is generated here from seeds — no binary is committed — with the answer the docs
 * promise for it (docs/cloud.md, "Bad-input corpus").
 */
import { decodeWav } from '../../shared/audio/decode';
import { Rng } from '../../shared/rng';
import { generateNonNote } from '../../shared/synth/non-notes';
import { subformatGuid, writeWav, WavSpec } from '../audio/wav-writer';

/** The classify server under test is started with this cap, so "too large" stays cheap. */
export const CORPUS_MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

/**
 * What a request must get: an exact status and code, or for a clip that is a valid WAV of a real note, `note`:
 * 200 with a label — or 422 no_note low_confidence, the documented answer when the model is unsure (the bundled
 * model may be replaced; the level checks are model-independent and exact).
 */
export type Expected = { status: number; code: string } | 'note';

export interface HttpCase {
  name: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Raw bytes written to the socket instead of a well-formed request (malformed HTTP). */
  raw?: Buffer;
  expected: Expected;
}

export interface WavCase {
  name: string;
  bytes: Buffer;
  expected: Expected;
}

/** A plucked-string-like note at `rate`: a short noisy attack, then decaying harmonics (deterministic). */
export function pluckAt(rate: number, seconds: number, seed = 1, hz = 196): Float32Array {
  const rng = new Rng(seed);
  const n = Math.max(1, Math.round(rate * seconds));
  const out = new Float32Array(n);
  const onset = Math.round(0.1 * rate);
  for (let i = onset; i < n; i++) {
    const t = (i - onset) / rate;
    let v = 0;
    for (let h = 1; h <= 6 && h * hz < rate / 2; h++) v += (Math.exp(-t * (1.5 + h)) / h) * Math.sin(2 * Math.PI * h * hz * t);
    if (t < 0.01) v += 0.3 * (1 - t / 0.01) * (2 * rng.next() - 1);
    out[i] = 0.4 * v;
  }
  return out;
}

const int16 = (x: Float32Array) => Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))));

/** A plain 16-bit mono WAV, written with typed arrays (the big corpus files must be cheap to make). */
function plainPcm16(x: Float32Array, rate: number): Uint8Array {
  const out = new Uint8Array(44 + 2 * x.length);
  const v = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0);
  v.setUint32(4, 36 + 2 * x.length, true);
  out.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  out.set([0x64, 0x61, 0x74, 0x61], 36);
  v.setUint32(40, 2 * x.length, true);
  const data = new Int16Array(out.buffer, 44, x.length);
  for (let i = 0; i < x.length; i++) data[i] = Math.max(-32768, Math.min(32767, Math.round(x[i] * 32767)));
  return out;
}

const pcm16 = (x: Float32Array, rate: number, extra?: Partial<WavSpec>) =>
  extra ? writeWav({ sampleRate: rate, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: int16(x), ...extra }) : plainPcm16(x, rate);

/** Nearest G.711 code of each sample (codes found by decoding all 256 of them with our own decoder). */
function g711(x: Float32Array, formatTag: 6 | 7): number[] {
  const table = decodeWav(writeWav({ sampleRate: 8000, channels: 1, encoding: 'pcm', bitsPerSample: 8, formatTag, samples: Array.from({ length: 256 }, (_, i) => i) })).mono;
  const sorted = Array.from(table, (value, code) => ({ value, code })).sort((a, b) => a.value - b.value);
  return Array.from(x, (v) => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid].value <= v) lo = mid;
      else hi = mid;
    }
    return Math.abs(sorted[lo].value - v) <= Math.abs(sorted[hi].value - v) ? sorted[lo].code : sorted[hi].code;
  });
}

function interleave(channels: Float32Array[]): Float32Array {
  const n = channels[0].length;
  const out = new Float32Array(n * channels.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels.length; c++) out[i * channels.length + c] = channels[c][i];
  return out;
}

const buf = (b: Uint8Array | string) => (typeof b === 'string' ? Buffer.from(b) : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let cachedWavCorpus: WavCase[] | null = null;

/** WAV (and not-quite-WAV) files: sent as audio/wav bodies AND given to `buzzfinder classify`. Built once per process. */
export function wavCorpus(): WavCase[] {
  cachedWavCorpus ??= buildWavCorpus();
  return cachedWavCorpus;
}

function buildWavCorpus(): WavCase[] {
  const note = pluckAt(44100, 2);
  const note22 = pluckAt(22050, 2);
  const bad = (status: number, code: string): Expected => ({ status, code });
  const noNote = bad(422, 'no_note');
  const spec16: WavSpec = { sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 16, samples: int16(note22.subarray(0, 2000)) };
  const withFmt = (over: Partial<WavSpec>) => writeWav({ ...spec16, ...over });
  const riffHead = (form: string) => Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from(form)]);
  const fmt16 = Buffer.from(withFmt({}).subarray(12, 12 + 24)); // the 'fmt ' chunk of spec16
  const dataHeader = (size: number) => Buffer.concat([Buffer.from('data'), Buffer.from(new Uint32Array([size]).buffer)]);
  const cases: WavCase[] = [
    // Every decoder failure code.
    { name: 'empty body', bytes: Buffer.alloc(0), expected: bad(400, 'empty') },
    { name: '5 bytes', bytes: Buffer.from('RIFF\0'), expected: bad(400, 'truncated') },
    { name: 'plain text', bytes: buf('this is plain text, not a RIFF/WAVE file. '.repeat(8)), expected: bad(400, 'not_wav') },
    { name: 'mp3 frame bytes', bytes: Buffer.from([0xff, 0xfb, 0x90, 0x64, ...new Array(400).fill(0x55)]), expected: bad(400, 'not_wav') },
    { name: 'RIFF AVI form', bytes: Buffer.concat([riffHead('AVI '), Buffer.alloc(64)]), expected: bad(400, 'not_wav') },
    { name: 'RIFX big-endian', bytes: Buffer.concat([Buffer.from('RIFX'), Buffer.alloc(4), Buffer.from('WAVE'), Buffer.alloc(64)]), expected: bad(400, 'unsupported_format') },
    { name: 'RF64', bytes: Buffer.concat([Buffer.from('RF64'), Buffer.alloc(4), Buffer.from('WAVE'), Buffer.alloc(64)]), expected: bad(400, 'unsupported_format') },
    { name: '0 channels', bytes: buf(withFmt({ channels: 0, blockAlign: 2 })), expected: bad(400, 'no_channels') },
    { name: 'sample rate 4000', bytes: buf(withFmt({ sampleRate: 4000 })), expected: bad(400, 'bad_sample_rate') },
    { name: 'sample rate 384000', bytes: buf(withFmt({ sampleRate: 384000 })), expected: bad(400, 'bad_sample_rate') },
    { name: 'MP3 format tag', bytes: buf(withFmt({ formatTag: 0x55 })), expected: bad(400, 'unsupported_format') },
    { name: 'IMA ADPCM', bytes: buf(withFmt({ formatTag: 0x11, bitsPerSample: 4, blockAlign: 1, rawData: new Uint8Array(100) })), expected: bad(400, 'unsupported_format') },
    { name: '12-bit PCM', bytes: buf(withFmt({ bitsPerSample: 12, blockAlign: 2, rawData: new Uint8Array(100) })), expected: bad(400, 'unsupported_format') },
    { name: 'block align lies', bytes: buf(withFmt({ blockAlign: 4 })), expected: bad(400, 'unsupported_format') },
    { name: 'extensible, unknown GUID', bytes: buf(withFmt({ extensible: true, subformatGuid: Uint8Array.from({ length: 16 }, (_, i) => i * 7) })), expected: bad(400, 'unsupported_format') },
    { name: 'data chunk of 0 bytes', bytes: buf(withFmt({ samples: [] })), expected: bad(400, 'empty') },
    { name: 'float32 with NaN', bytes: buf(writeWav({ sampleRate: 22050, channels: 1, encoding: 'float', bitsPerSample: 32, samples: [...note22.subarray(0, 5000), NaN, 0] })), expected: bad(400, 'non_finite') },
    { name: 'float32 with Infinity', bytes: buf(writeWav({ sampleRate: 22050, channels: 1, encoding: 'float', bitsPerSample: 32, samples: [0, Infinity, 0] })), expected: bad(400, 'non_finite') },
    { name: 'float64 with NaN', bytes: buf(writeWav({ sampleRate: 22050, channels: 2, encoding: 'float', bitsPerSample: 64, samples: [0, 0, NaN, 0] })), expected: bad(400, 'non_finite') },
    { name: 'data shorter than one frame', bytes: Buffer.concat([riffHead('WAVE'), fmt16, dataHeader(1000), Buffer.from([1])]), expected: bad(400, 'truncated') },
    { name: 'ends before the fmt chunk', bytes: Buffer.concat([riffHead('WAVE'), Buffer.from('fmt ')]), expected: bad(400, 'truncated') },
    { name: 'fmt chunk larger than the file', bytes: Buffer.concat([riffHead('WAVE'), Buffer.from('fmt '), Buffer.from([200, 0, 0, 0]), Buffer.alloc(20)]), expected: bad(400, 'truncated') },
    { name: 'ends before the data chunk', bytes: Buffer.concat([riffHead('WAVE'), fmt16]), expected: bad(400, 'truncated') },
    { name: 'data before fmt', bytes: Buffer.concat([riffHead('WAVE'), dataHeader(4), Buffer.alloc(4), fmt16]), expected: bad(400, 'not_wav') },
    { name: 'two fmt chunks', bytes: Buffer.concat([riffHead('WAVE'), fmt16, fmt16, dataHeader(4), Buffer.alloc(4)]), expected: bad(400, 'not_wav') },
    { name: 'binary chunk id', bytes: Buffer.concat([riffHead('WAVE'), Buffer.from([1, 2, 3, 4, 8, 0, 0, 0]), Buffer.alloc(8), fmt16]), expected: bad(400, 'not_wav') },
    { name: 'fmt chunk of 8 bytes', bytes: Buffer.concat([riffHead('WAVE'), Buffer.from('fmt '), Buffer.from([8, 0, 0, 0]), Buffer.alloc(8), dataHeader(4), Buffer.alloc(4)]), expected: bad(400, 'not_wav') },
    { name: 'over the size cap (9 MiB)', bytes: buf(plainPcm16(new Float32Array(Math.ceil((9 * 1024 * 1024) / 2)), 44100)), expected: bad(413, 'too_large') },
    // Headers lying about sizes.
    { name: 'header claims 4 GB, holds 100 zero bytes', bytes: Buffer.concat([riffHead('WAVE'), fmt16, dataHeader(0xfffffff0), Buffer.alloc(100)]), expected: noNote },
    { name: 'data size 0xFFFFFFFF (unfinalised recorder), a note', bytes: buf(pcm16(note, 44100, { dataSize: 0xffffffff, riffSize: 0xffffffff })), expected: 'note' },
    { name: 'data size larger than the file, a note', bytes: buf(pcm16(note, 44100, { dataSize: 10_000_000 })), expected: 'note' },
    { name: 'RIFF and data size 0 placeholders, a note', bytes: buf(pcm16(note, 44100, { dataSize: 0, riffSize: 0 })), expected: 'note' },
    { name: 'RIFF size too small, a note', bytes: buf(pcm16(note, 44100, { riffSize: 100 })), expected: 'note' },
    { name: 'junk after the data chunk, a note', bytes: buf(pcm16(note, 44100, { trailing: new Uint8Array(333).fill(0x7f) })), expected: 'note' },
    // Odd chunk orders.
    { name: 'LIST chunk before fmt', bytes: buf(pcm16(note, 44100, { extraChunks: [{ id: 'LIST', body: buf('INFOISFT\u0006\0\0\0lavf\0\0'), position: 'before-fmt' }] })), expected: 'note' },
    { name: 'JUNK and bext between fmt and data', bytes: buf(pcm16(note, 44100, { extraChunks: [{ id: 'JUNK', body: new Uint8Array(28) }, { id: 'bext', body: new Uint8Array(602) }] })), expected: 'note' },
    { name: 'odd-sized chunk with its pad byte', bytes: buf(pcm16(note, 44100, { extraChunks: [{ id: 'odd ', body: new Uint8Array(7) }] })), expected: 'note' },
    { name: 'odd-sized chunk missing its pad byte', bytes: buf(pcm16(note, 44100, { extraChunks: [{ id: 'odd ', body: new Uint8Array(7), omitPad: true }] })), expected: 'note' },
    { name: 'fact chunk, chunks after data', bytes: buf(pcm16(note, 44100, { extraChunks: [{ id: 'fact', body: new Uint8Array(4) }, { id: 'LIST', body: new Uint8Array(40), position: 'after-data' }] })), expected: 'note' },
    // Formats.
    { name: '8-bit unsigned', bytes: buf(writeWav({ sampleRate: 22050, channels: 1, encoding: 'pcm', bitsPerSample: 8, samples: Array.from(note22, (v) => Math.round(128 + 127 * v)) })), expected: 'note' },
    { name: 'A-law 8 kHz', bytes: buf(writeWav({ sampleRate: 8000, channels: 1, encoding: 'pcm', bitsPerSample: 8, formatTag: 6, samples: g711(pluckAt(8000, 2), 6) })), expected: 'note' },
    { name: 'mu-law 8 kHz', bytes: buf(writeWav({ sampleRate: 8000, channels: 1, encoding: 'pcm', bitsPerSample: 8, formatTag: 7, samples: g711(pluckAt(8000, 2), 7) })), expected: 'note' },
    { name: '64-bit float', bytes: buf(writeWav({ sampleRate: 22050, channels: 1, encoding: 'float', bitsPerSample: 64, samples: note22 })), expected: 'note' },
    { name: '24-bit PCM', bytes: buf(writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 24, samples: Array.from(note, (v) => Math.round(v * 8388607)) })), expected: 'note' },
    { name: '32-bit PCM', bytes: buf(writeWav({ sampleRate: 44100, channels: 1, encoding: 'pcm', bitsPerSample: 32, samples: Array.from(note, (v) => Math.round(v * 2147483647)) })), expected: 'note' },
    { name: 'extensible float32 stereo', bytes: buf(writeWav({ sampleRate: 48000, channels: 2, encoding: 'float', bitsPerSample: 32, extensible: true, subformatGuid: subformatGuid(3), samples: interleave(Array(2).fill(pluckAt(48000, 2))) })), expected: 'note' },
    { name: '1 sample', bytes: buf(pcm16(new Float32Array(1), 44100)), expected: noNote },
    { name: '8 kHz', bytes: buf(pcm16(pluckAt(8000, 2), 8000)), expected: 'note' },
    { name: '192 kHz', bytes: buf(pcm16(pluckAt(192000, 2), 192000)), expected: 'note' },
    { name: '6 channels (5.1)', bytes: buf(writeWav({ sampleRate: 48000, channels: 6, encoding: 'pcm', bitsPerSample: 16, samples: int16(interleave(Array(6).fill(pluckAt(48000, 2)))) })), expected: 'note' },
    { name: 'stereo, channels cancel to silence', bytes: buf(writeWav({ sampleRate: 44100, channels: 2, encoding: 'pcm', bitsPerSample: 16, samples: int16(interleave([note, note.map((v) => -v)])) })), expected: noNote },
    { name: 'very long (60 s, first 2 s used)', bytes: buf(pcm16(Float32Array.from({ length: 44100 * 60 }, (_, i) => note[i % note.length]), 44100)), expected: 'note' },
    // Content that is not a note.
    { name: '2 s of digital silence', bytes: buf(pcm16(new Float32Array(44100 * 2), 44100)), expected: noNote },
    { name: 'mains hum', bytes: buf(pcm16(generateNonNote('hum', new Rng(7)), 22050)), expected: noNote },
    { name: 'hiss', bytes: buf(pcm16(generateNonNote('hiss', new Rng(8)), 22050)), expected: noNote },
    { name: 'a note (baseline)', bytes: buf(pcm16(note, 44100)), expected: 'note' },
  ];
  return cases;
}

function multipart(boundary: string, parts: { name: string; filename?: string; body: Buffer }[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.filename !== undefined ? 'Content-Type: audio/wav\r\n' : ''}\r\n`), p.body, Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** Requests that only exist over HTTP: multipart edge cases, JSON, methods, content types, broken framing. */
export function httpOnlyCorpus(): HttpCase[] {
  const note = buf(pcm16(pluckAt(22050, 2), 22050));
  const silence = buf(pcm16(new Float32Array(22050), 22050));
  const b = 'corpus-boundary-1';
  const form = { 'content-type': `multipart/form-data; boundary=${b}` };
  const json = { 'content-type': 'application/json' };
  const wav = { 'content-type': 'audio/wav' };
  const mfcc = JSON.stringify(Array.from({ length: 87 }, () => Array.from({ length: 39 }, () => 0.5)));
  return [
    { name: 'multipart: no file part', headers: form, body: multipart(b, [{ name: 'comment', body: Buffer.from('hello') }]), expected: { status: 400, code: 'no_files' } },
    { name: 'multipart: empty file', headers: form, body: multipart(b, [{ name: 'f', filename: 'empty.wav', body: Buffer.alloc(0) }]), expected: { status: 400, code: 'empty' } },
    { name: 'multipart: 65 files', headers: form, body: multipart(b, Array.from({ length: 65 }, (_, i) => ({ name: `f${i}`, filename: `f${i}.wav`, body: silence }))), expected: { status: 400, code: 'too_many_files' } },
    { name: 'multipart: a text file among WAVs', headers: form, body: multipart(b, [{ name: 'a', filename: 'a.wav', body: note }, { name: 'b', filename: 'b.txt', body: Buffer.from('not audio at all, just text') }]), expected: { status: 400, code: 'not_wav' } },
    { name: 'multipart: boundary not in the body', headers: { 'content-type': 'multipart/form-data; boundary=other' }, body: multipart(b, [{ name: 'f', filename: 'a.wav', body: note }]), expected: { status: 400, code: 'bad_multipart' } },
    { name: 'multipart: no boundary parameter', headers: { 'content-type': 'multipart/form-data' }, body: multipart(b, [{ name: 'f', filename: 'a.wav', body: note }]), expected: { status: 400, code: 'bad_multipart' } },
    { name: 'multipart: cut before the closing boundary', headers: form, body: multipart(b, [{ name: 'f', filename: 'a.wav', body: note }], false).subarray(0, 3000), expected: { status: 400, code: 'bad_multipart' } },
    { name: 'multipart: silence and a note (per-item no_note)', headers: form, body: multipart(b, [{ name: 'a', filename: 'silence.wav', body: silence }, { name: 'b', filename: 'note.wav', body: note }]), expected: { status: 200, code: 'multipart' } },
    { name: 'JSON: syntax error', headers: json, body: Buffer.from('{"not json'), expected: { status: 400, code: 'bad_json' } },
    { name: 'JSON: empty body', headers: json, body: Buffer.alloc(0), expected: { status: 400, code: 'bad_json' } },
    { name: 'JSON: wrong shape', headers: json, body: Buffer.from('[[1, 2, 3]]'), expected: { status: 400, code: 'bad_features' } },
    { name: 'JSON: strings instead of numbers', headers: json, body: Buffer.from(mfcc.replace(/0\.5/g, '"x"')), expected: { status: 400, code: 'bad_features' } },
    { name: 'JSON: 5 MiB array', headers: json, body: Buffer.from(`[${'0,'.repeat(2.5 * 1024 * 1024)}0]`), expected: { status: 413, code: 'too_large' } },
    // The corpus serves the bundled default, a log-mel model: well-formed MFCCs are answered 422, not guessed at.
    { name: 'JSON: valid MFCCs (87 x 39) to the log-mel default', headers: json, body: Buffer.from(mfcc), expected: { status: 422, code: 'mfcc_not_supported' } },
    { name: 'text/plain body', headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello'), expected: { status: 415, code: 'unsupported_media_type' } },
    { name: 'image/png body', headers: { 'content-type': 'image/png' }, body: note, expected: { status: 415, code: 'unsupported_media_type' } },
    { name: 'no content type', headers: {}, body: note, expected: { status: 415, code: 'unsupported_media_type' } },
    { name: 'urlencoded form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('a=1&b=2'), expected: { status: 415, code: 'unsupported_media_type' } },
    { name: 'gzip-encoded WAV', headers: { ...wav, 'content-encoding': 'gzip' }, body: note, expected: { status: 415, code: 'unsupported_encoding' } },
    { name: 'PUT', method: 'PUT', headers: wav, body: note, expected: { status: 405, code: 'method_not_allowed' } },
    { name: 'DELETE', method: 'DELETE', expected: { status: 405, code: 'method_not_allowed' } },
    { name: 'PATCH with JSON', method: 'PATCH', headers: json, body: Buffer.from('{'), expected: { status: 405, code: 'method_not_allowed' } },
    { name: 'Content-Length over the cap (body never sent)', raw: Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: ${CORPUS_MAX_UPLOAD_BYTES + 1}\r\n\r\nRIFF`), expected: { status: 413, code: 'too_large' } },
    { name: 'Content-Length shorter than the body', raw: Buffer.concat([Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: 20\r\n\r\n'), note.subarray(0, 200)]), expected: { status: 400, code: 'bad_request' } },
    { name: 'chunked transfer encoding, a note', raw: Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${note.length.toString(16)}\r\n`), note, Buffer.from('\r\n0\r\n\r\n')]), expected: 'note' },
    { name: 'malformed request line', raw: Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'), expected: { status: 400, code: 'bad_request' } },
  ];
}

/** `bytes` of random-looking junk (a seeded 64 KiB block, repeated): what a mislabelled upload looks like. */
export function junkBody(bytes: number, seed = 1): Buffer {
  const rng = new Rng(seed);
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE(Math.floor(rng.next() * 0x100000000), i);
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += block.length) block.copy(out, at, 0, Math.min(block.length, bytes - at));
  return out;
}
