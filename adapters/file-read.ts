import type { FileHandle } from 'node:fs/promises';

/**
 * Fills `target` from `offset` with positional reads (a short read is retried until the end of the file), so large
 * files are never loaded whole. Returns the bytes read: fewer than target.length only at the end of the file.
 */
export async function readFileInto(handle: FileHandle, offset: number, target: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await handle.read(target, filled, target.length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Up to `length` bytes at `offset` in a new array (readFileInto); fewer only at the end of the file. */
export async function readFileRange(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  const filled = await readFileInto(handle, offset, buffer);
  return filled === length ? buffer : buffer.slice(0, filled);
}
