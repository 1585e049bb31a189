/**
 * Test helper: writes WAV files byte by byte, including the odd ones (extensible headers, unknown chunks,
 * odd sizes, placeholder sizes, lying headers), so decode tests know every sample exactly.
 */
export interface ExtraChunk {
  id: string;
  body: Uint8Array;
  /** Where the chunk goes relative to fmt/data. Default 'between' (after fmt, before data). */
  position?: 'before-fmt' | 'between' | 'after-data';
  /** Leave out the RIFF pad byte after an odd-sized body (a common writer bug). */
  omitPad?: boolean;
}

export interface WavSpec {
  sampleRate: number;
  channels: number;
  /** 'pcm' samples are raw integer codes (uint8 for 8-bit); 'float' samples are floats. Interleaved. */
  encoding: 'pcm' | 'float';
  bitsPerSample: number;
  samples: ArrayLike<number>;
  extensible?: boolean;
  /** Overrides of header fields, for malformed files. */
  formatTag?: number;
  subformatGuid?: Uint8Array;
  blockAlign?: number;
  dataSize?: number;
  riffSize?: number;
  extraChunks?: ExtraChunk[];
  /** Raw data chunk body, instead of encoding `samples` (for sample sizes the writer cannot encode). */
  rawData?: Uint8Array;
  /** Bytes appended after the data chunk without a chunk header (junk / partial frame). */
  trailing?: Uint8Array;
}

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export function subformatGuid(tag: number): Uint8Array {
  return Uint8Array.from([tag & 0xff, tag >> 8, ...GUID_TAIL]);
}

function chunk(id: string, body: Uint8Array, omitPad = false): Uint8Array {
  const pad = body.length & 1 && !omitPad ? 1 : 0;
  const out = new Uint8Array(8 + body.length + pad);
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function encodeSamples(spec: Pick<WavSpec, 'encoding' | 'bitsPerSample' | 'samples'>): Uint8Array {
  const bytes = spec.bitsPerSample / 8;
  const out = new Uint8Array(spec.samples.length * bytes);
  const v = new DataView(out.buffer);
  for (let i = 0; i < spec.samples.length; i++) {
    const s = spec.samples[i];
    const o = i * bytes;
    if (spec.encoding === 'float') {
      if (spec.bitsPerSample === 32) v.setFloat32(o, s, true);
      else v.setFloat64(o, s, true);
    } else if (spec.bitsPerSample === 8) v.setUint8(o, s);
    else if (spec.bitsPerSample === 16) v.setInt16(o, s, true);
    else if (spec.bitsPerSample === 24) {
      v.setUint8(o, s & 0xff);
      v.setUint8(o + 1, (s >> 8) & 0xff);
      v.setInt8(o + 2, s >> 16);
    } else v.setInt32(o, s, true);
  }
  return out;
}

export function fmtBody(spec: WavSpec): Uint8Array {
  const tag = spec.formatTag ?? (spec.encoding === 'float' ? 3 : 1);
  const blockAlign = spec.blockAlign ?? spec.channels * (spec.bitsPerSample / 8);
  const body = new Uint8Array(spec.extensible ? 40 : 16);
  const v = new DataView(body.buffer);
  v.setUint16(0, spec.extensible ? 0xfffe : tag, true);
  v.setUint16(2, spec.channels, true);
  v.setUint32(4, spec.sampleRate, true);
  v.setUint32(8, spec.sampleRate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, spec.bitsPerSample, true);
  if (spec.extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, spec.bitsPerSample, true);
    v.setUint32(20, spec.channels === 2 ? 3 : 0, true);
    body.set(spec.subformatGuid ?? subformatGuid(tag), 24);
  }
  return body;
}

export function writeWav(spec: WavSpec): Uint8Array {
  const extras = spec.extraChunks ?? [];
  const at = (position: ExtraChunk['position']) =>
    extras.filter((c) => (c.position ?? 'between') === position).map((c) => chunk(c.id, c.body, c.omitPad));
  const data = spec.rawData ?? encodeSamples(spec);
  const dataChunk = chunk('data', data);
  if (spec.dataSize !== undefined) new DataView(dataChunk.buffer).setUint32(4, spec.dataSize, true);
  const body = concat([
    ...at('before-fmt'),
    chunk('fmt ', fmtBody(spec)),
    ...at('between'),
    dataChunk,
    ...at('after-data'),
    spec.trailing ?? new Uint8Array(0),
  ]);
  const head = new Uint8Array(12);
  head.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  new DataView(head.buffer).setUint32(4, spec.riffSize ?? body.length + 4, true);
  head.set([0x57, 0x41, 0x56, 0x45], 8); // WAVE
  return concat([head, body]);
}

/** Float32 channel mean of interleaved frames, as numpy computes it (sequential float32 sum, float32 divide). */
export function expectedMono(values: number[], channels: number): Float32Array {
  const frames = values.length / channels;
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = Math.fround(values[f * channels]);
    for (let c = 1; c < channels; c++) sum = Math.fround(sum + Math.fround(values[f * channels + c]));
    out[f] = sum / channels;
  }
  return out;
}
