/**
 * Random-access byte sources: what the streaming reader needs from wherever a take lives
 * (memory, a local file, a Cloud Storage object).
 */
import { ObjectNotFoundError, ObjectStore } from '../storage/types';

export interface ByteSource {
  /** Total size in bytes. */
  size: number;
  /** Up to `length` bytes from `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills `target` from `offset` and returns the bytes read (fewer only at the end of the source), so a
   * streaming reader can reuse one buffer (fresh memory costs more than reading into it; docs/speed.md).
   */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
}

/** A source over bytes already in memory (reads are zero-copy views). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytesSource: bytes must be a Uint8Array');
  return {
    size: bytes.length,
    read: async (offset, length) => {
      checkRange(offset, length);
      return bytes.subarray(Math.min(offset, bytes.length), Math.min(bytes.length, offset + length));
    },
  };
}

/** A source over one object of an ObjectStore, read with range requests. */
export async function objectSource(store: ObjectStore, key: string): Promise<ByteSource> {
  const info = await store.stat(key);
  if (!info) throw new ObjectNotFoundError(key);
  return {
    size: info.size,
    read: (offset, length) => {
      checkRange(offset, length);
      return store.readRange(key, offset, length);
    },
  };
}

function checkRange(offset: number, length: number): void {
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0) {
    throw new TypeError(`ByteSource.read: invalid range offset=${offset} length=${length}`);
  }
}
