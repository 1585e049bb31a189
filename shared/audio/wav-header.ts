/**
 * A small, strict RIFF/WAVE chunk parser that needs only range reads, so the same code serves
 * whole files in memory (decode.ts) and range-read sources (stream.ts).
 *
 * The parser is a generator: it yields `{ offset, length }` read requests and is resumed with the
 * bytes at that range (shorter at end of file). `readWavLayoutSync` and `readWavLayout` drive it.
 */
import { MAX_INPUT_SAMPLE_RATE, MIN_INPUT_SAMPLE_RATE } from '../constants';
import { AudioDecodeError } from './errors';

/** 'alaw' / 'mulaw' are 8-bit G.711 (read by soundfile, so by librosa too). */
export type SampleEncoding = 'pcm' | 'float' | 'alaw' | 'mulaw';

/** What the `fmt ` chunk says, resolved (WAVE_FORMAT_EXTENSIBLE unwrapped to its subformat). */
export interface WavFormat {
  encoding: SampleEncoding;
  channels: number;
  sampleRate: number;
  /** Container bits per sample: 8 (unsigned), 16, 24, 32 for PCM; 32, 64 for float; 8 for G.711. */
  bitsPerSample: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** True when the fmt chunk was WAVE_FORMAT_EXTENSIBLE. */
  extensible: boolean;
}

/** Where the samples are and how many whole frames can be read. */
export interface WavLayout {
  format: WavFormat;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of sample data actually readable: whole frames only, clamped to the end of the file. */
  dataBytes: number;
  frames: number;
  /** The data chunk's declared size (0xFFFFFFFF for a streaming recorder that never finalised it). */
  declaredDataBytes: number;
  /** True when the file ends before the declared data does (or the size was a placeholder). */
  dataClamped: boolean;
}

export interface ReadRequest {
  offset: number;
  length: number;
}

const RIFF_HEADER_BYTES = 12;
const CHUNK_HEADER_BYTES = 8;
/** Largest fmt chunk we read (the extensible one is 40 bytes; anything far bigger is not a fmt chunk). */
const MAX_FMT_BYTES = 4096;
const UNKNOWN_SIZE = 0xffffffff;
/** Real files have a handful of chunks before the samples; a file of endless tiny chunks is not audio. */
const MAX_CHUNKS_BEFORE_DATA = 4096;
/** The async reader fetches this much of the file's start at once: every header lies inside it in practice. */
const HEADER_PREFETCH_BYTES = 64 * 1024;

/** Format tags users actually meet, so an unsupported file is named in the error. */
const FORMAT_TAG_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG audio',
  0x0055: 'MPEG Layer 3 (MP3)',
  0x0092: 'Dolby AC-3',
  0x00ff: 'AAC',
  0x0161: 'Windows Media Audio',
  0x1610: 'HE-AAC',
  0x2000: 'Dolby AC-3 (SPDIF)',
  0xf1ac: 'FLAC',
};

export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_ALAW = 0x0006;
export const WAVE_FORMAT_MULAW = 0x0007;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** The 14 bytes every KSDATAFORMAT_SUBTYPE_* GUID shares after its 2-byte format tag. */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export function formatTagName(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(4, '0')}`;
  return FORMAT_TAG_NAMES[tag] ? `${FORMAT_TAG_NAMES[tag]} (format tag ${hex})` : `format tag ${hex}`;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(bytes[offset + i]);
  return text;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Chunk ids are four printable ASCII characters. */
function isChunkId(header: Uint8Array): boolean {
  if (header.length < 4) return false;
  for (let i = 0; i < 4; i++) if (header[i] < 0x20 || header[i] > 0x7e) return false;
  return true;
}

function printable(id: string): string {
  return JSON.stringify(id);
}

/** Parses a `fmt ` chunk body into a validated WavFormat. */
export function parseFmtChunk(body: Uint8Array): WavFormat {
  if (body.length < 16) {
    throw new AudioDecodeError('not_wav', `fmt chunk is ${body.length} bytes; a WAV fmt chunk has at least 16`);
  }
  const v = view(body);
  let tag = v.getUint16(0, true);
  const channels = v.getUint16(2, true);
  const sampleRate = v.getUint32(4, true);
  const blockAlign = v.getUint16(12, true);
  const bitsPerSample = v.getUint16(14, true);
  let extensible = false;

  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    extensible = true;
    const cbSize = body.length >= 18 ? v.getUint16(16, true) : 0;
    if (cbSize < 22 || body.length < 40) {
      throw new AudioDecodeError('not_wav', 'WAVE_FORMAT_EXTENSIBLE fmt chunk is too short to hold its subformat GUID');
    }
    const subTag = v.getUint16(24, true);
    for (let i = 0; i < SUBFORMAT_GUID_TAIL.length; i++) {
      if (body[26 + i] !== SUBFORMAT_GUID_TAIL[i]) {
        const guid = Array.from(body.subarray(24, 40), (b) => b.toString(16).padStart(2, '0')).join('');
        throw new AudioDecodeError('unsupported_format', `unsupported WAVE_FORMAT_EXTENSIBLE subformat GUID ${guid}`);
      }
    }
    tag = subTag;
  }

  let encoding: SampleEncoding;
  if (tag === WAVE_FORMAT_PCM) encoding = 'pcm';
  else if (tag === WAVE_FORMAT_IEEE_FLOAT) encoding = 'float';
  else if (tag === WAVE_FORMAT_ALAW) encoding = 'alaw';
  else if (tag === WAVE_FORMAT_MULAW) encoding = 'mulaw';
  else {
    throw new AudioDecodeError(
      'unsupported_format',
      `unsupported WAV compression: ${formatTagName(tag)}; only PCM (8/16/24/32-bit), IEEE float (32/64-bit) and G.711 A-law/mu-law are read`,
    );
  }

  if (channels === 0) throw new AudioDecodeError('no_channels', 'the WAV header declares 0 channels');
  if (sampleRate < MIN_INPUT_SAMPLE_RATE || sampleRate > MAX_INPUT_SAMPLE_RATE) {
    throw new AudioDecodeError(
      'bad_sample_rate',
      `sample rate ${sampleRate} Hz is outside the supported ${MIN_INPUT_SAMPLE_RATE}–${MAX_INPUT_SAMPLE_RATE} Hz`,
    );
  }
  const validBits = { pcm: [8, 16, 24, 32], float: [32, 64], alaw: [8], mulaw: [8] }[encoding];
  if (!validBits.includes(bitsPerSample)) {
    const name = { pcm: 'PCM', float: 'IEEE float', alaw: 'A-law', mulaw: 'mu-law' }[encoding];
    throw new AudioDecodeError(
      'unsupported_format',
      `unsupported ${name} sample size: ${bitsPerSample} bits (supported: ${validBits.join('/')})`,
    );
  }
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw new AudioDecodeError(
      'unsupported_format',
      `block align ${blockAlign} does not match ${channels} channel(s) x ${bitsPerSample} bits (expected ${expectedAlign})`,
    );
  }
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign, extensible };
}

/** Bytes that decide whether a stream can be a WAV at all (checkRiffHeader). */
export const RIFF_HEADER_BYTES_NEEDED = RIFF_HEADER_BYTES;

/**
 * Throws unless the first 12 bytes are a little-endian RIFF/WAVE header. Upload paths call it on the first bytes
 * that arrive, so a body that is not a WAV is refused before the rest of it is read.
 */
export function checkRiffHeader(head: Uint8Array): void {
  const riffId = ascii(head, 0, 4);
  const waveId = ascii(head, 8, 4);
  if (riffId === 'RIFX' || riffId === 'RF64') {
    throw new AudioDecodeError('unsupported_format', `${riffId} files are not supported (only little-endian RIFF WAVE)`);
  }
  if (riffId !== 'RIFF' || waveId !== 'WAVE') {
    throw new AudioDecodeError('not_wav', 'not a WAV file (no RIFF/WAVE header)');
  }
}

/**
 * Walks the RIFF chunks up to the data chunk. Chunks it does not need (LIST, fact, bext, PEAK, JUNK...)
 * are skipped by their size (plus the pad byte of odd sizes); nothing after the data chunk is read.
 */
export function* wavLayoutParser(fileSize: number): Generator<ReadRequest, WavLayout, Uint8Array> {
  if (fileSize < RIFF_HEADER_BYTES) {
    if (fileSize === 0) throw new AudioDecodeError('empty', 'the file is empty');
    throw new AudioDecodeError('truncated', `file is ${fileSize} bytes: too short for a RIFF/WAVE header`);
  }
  const head = yield { offset: 0, length: RIFF_HEADER_BYTES };
  checkRiffHeader(head);
  const riffSize = view(head).getUint32(4, true);
  const riffSizeIsPlaceholder = riffSize === 0 || riffSize === UNKNOWN_SIZE;

  let format: WavFormat | null = null;
  let offset = RIFF_HEADER_BYTES;
  /** Set after an odd-sized chunk: where the next chunk starts if the writer forgot the pad byte. */
  let unpaddedOffset = -1;
  for (let chunks = 0; ; chunks++) {
    if (chunks >= MAX_CHUNKS_BEFORE_DATA) {
      throw new AudioDecodeError('not_wav', `no data chunk among the first ${MAX_CHUNKS_BEFORE_DATA} chunks`);
    }
    if (offset + CHUNK_HEADER_BYTES > fileSize) {
      const missing = format ? 'data' : 'fmt ';
      throw new AudioDecodeError('truncated', `file ends at byte ${fileSize} before a '${missing}' chunk was found`);
    }
    let header = yield { offset, length: CHUNK_HEADER_BYTES };
    if (!isChunkId(header) && unpaddedOffset >= 0) {
      const retry = yield { offset: unpaddedOffset, length: CHUNK_HEADER_BYTES };
      if (isChunkId(retry)) {
        header = retry;
        offset = unpaddedOffset;
      }
    }
    const id = ascii(header, 0, 4);
    const size = view(header).getUint32(4, true);
    const bodyOffset = offset + CHUNK_HEADER_BYTES;

    if (id === 'fmt ') {
      if (format) throw new AudioDecodeError('not_wav', 'the file has two fmt chunks');
      if (size > MAX_FMT_BYTES) throw new AudioDecodeError('not_wav', `fmt chunk of ${size} bytes is not a WAV fmt chunk`);
      if (bodyOffset + size > fileSize) throw new AudioDecodeError('truncated', 'file ends inside the fmt chunk');
      format = parseFmtChunk(yield { offset: bodyOffset, length: size });
    } else if (id === 'data') {
      if (!format) {
        throw new AudioDecodeError('not_wav', "the data chunk comes before any fmt chunk, so its samples cannot be read");
      }
      const available = fileSize - bodyOffset;
      // A recorder that never finalised its header leaves 0xFFFFFFFF, or 0 with a placeholder RIFF size:
      // the samples then run to the end of the file.
      const placeholder = size === UNKNOWN_SIZE || (size === 0 && riffSizeIsPlaceholder && available > 0);
      const declared = size;
      const readable = placeholder ? available : Math.min(size, available);
      const frames = Math.floor(readable / format.blockAlign);
      if (frames === 0) {
        if (declared === 0 || (placeholder && available === 0)) {
          throw new AudioDecodeError('empty', 'the data chunk holds no samples');
        }
        throw new AudioDecodeError(
          'truncated',
          `the data chunk declares ${declared} bytes but the file holds ${available} (less than one ${format.blockAlign}-byte frame)`,
        );
      }
      return {
        format,
        dataOffset: bodyOffset,
        dataBytes: frames * format.blockAlign,
        frames,
        declaredDataBytes: declared,
        dataClamped: placeholder || size > available,
      };
    } else if (!isChunkId(header)) {
      throw new AudioDecodeError('not_wav', `corrupt chunk id ${printable(id)} at byte ${offset}`);
    }
    unpaddedOffset = size & 1 ? bodyOffset + size : -1;
    offset = bodyOffset + size + (size & 1);
  }
}

/** Runs the parser against bytes in memory. */
export function readWavLayoutSync(bytes: Uint8Array): WavLayout {
  const parser = wavLayoutParser(bytes.length);
  let step = parser.next(new Uint8Array(0));
  while (!step.done) {
    const { offset, length } = step.value;
    step = parser.next(bytes.subarray(offset, Math.min(bytes.length, offset + length)));
  }
  return step.value;
}

/** Runs the parser against an asynchronous range reader (one prefetch of the file's start, then reads past it only if needed). */
export async function readWavLayout(
  size: number,
  read: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<WavLayout> {
  const fetch = async (offset: number, wanted: number): Promise<Uint8Array> => {
    const bytes = (await read(offset, wanted)).subarray(0, wanted);
    if (bytes.length < wanted) throw new AudioDecodeError('truncated', `short read at byte ${offset}: the source ended early`);
    return bytes;
  };
  const prefix = size > 0 ? await fetch(0, Math.min(size, HEADER_PREFETCH_BYTES)) : new Uint8Array(0);
  const parser = wavLayoutParser(size);
  let step = parser.next(new Uint8Array(0));
  while (!step.done) {
    const { offset, length } = step.value;
    const wanted = Math.min(length, size - offset);
    const bytes = offset + wanted <= prefix.length ? prefix.subarray(offset, offset + wanted) : await fetch(offset, wanted);
    step = parser.next(bytes);
  }
  return step.value;
}
