/**
 * TrainingCheckpoint <-> one ObjectStore object, so a checkpoint is written atomically:
 *   "BZCK" | uint32 LE header length | header JSON (UTF-8, everything but the arrays, with array lengths) |
 *   zero padding to 4 bytes | the float32 arrays (LE), in header order.
 */
import { BuzzfinderError } from '../errors';
import { ObjectStore, WriteOptions } from '../storage/types';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, TrainingCheckpoint } from './train';

const MAGIC = 'BZCK';

export class CheckpointFormatError extends BuzzfinderError {
  constructor(message: string) {
    super('bad_checkpoint', message);
  }
}

type ArrayRef = { $f32: number };

export function encodeCheckpoint(ckpt: TrainingCheckpoint): Uint8Array {
  const arrays: Float32Array[] = [];
  const ref = (a: Float32Array): ArrayRef => {
    arrays.push(a);
    return { $f32: a.length };
  };
  const header = {
    ...ckpt,
    weights: ckpt.weights.map(ref),
    optimizer: ckpt.optimizer.map((w) => ({ ...w, values: ref(w.values) })),
    best: ckpt.best ? { ...ckpt.best, weights: ckpt.best.weights.map(ref) } : null,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((8 + json.length) / 4) * 4;
  const total = dataStart + arrays.reduce((s, a) => s + a.length * 4, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  let offset = dataStart;
  const view = new DataView(out.buffer);
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) view.setFloat32(offset + i * 4, a[i], true);
    offset += a.length * 4;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new CheckpointFormatError('not a buzzfinder training checkpoint');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new CheckpointFormatError('checkpoint header is truncated');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new CheckpointFormatError('checkpoint header is not valid JSON');
  }
  if (header.format !== CHECKPOINT_FORMAT || header.formatVersion !== CHECKPOINT_VERSION) {
    throw new CheckpointFormatError(`unsupported checkpoint format ${String(header.format)} v${String(header.formatVersion)}`);
  }
  let offset = Math.ceil((8 + headerLength) / 4) * 4;
  const take = (r: ArrayRef): Float32Array => {
    const n = r.$f32;
    if (!Number.isInteger(n) || n < 0 || offset + n * 4 > bytes.length) throw new CheckpointFormatError('checkpoint data is truncated');
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = view.getFloat32(offset + i * 4, true);
    offset += n * 4;
    return a;
  };
  const h = header as unknown as {
    weights: ArrayRef[];
    optimizer: { name: string; shape: number[]; values: ArrayRef }[];
    best: { epoch: number; valLoss: number; weights: ArrayRef[] } | null;
  };
  const weights = h.weights.map(take);
  const optimizer = h.optimizer.map((w) => ({ name: w.name, shape: w.shape, values: take(w.values) }));
  const best = h.best ? { epoch: h.best.epoch, valLoss: h.best.valLoss, weights: h.best.weights.map(take) } : null;
  if (offset !== bytes.length) throw new CheckpointFormatError('checkpoint has trailing bytes');
  return { ...(header as unknown as TrainingCheckpoint), weights, optimizer, best };
}

export async function saveCheckpoint(store: ObjectStore, key: string, ckpt: TrainingCheckpoint, options: WriteOptions = {}): Promise<void> {
  await store.write(key, encodeCheckpoint(ckpt), { contentType: 'application/octet-stream', ...options });
}

/** The checkpoint at `key`, or null when there is none. */
export async function loadCheckpoint(store: ObjectStore, key: string): Promise<TrainingCheckpoint | null> {
  if (!(await store.exists(key))) return null;
  return decodeCheckpoint(await store.read(key));
}
