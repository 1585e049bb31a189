import type { FileHandle } from 'node:fs/promises';

/**
 * Reads up to `length` bytes at `offset` with positional reads (a short read is retried until the end of the file),
 * so large files are never loaded whole. Returns fewer bytes only at the end of the file.
 */
export async function readFileRange(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.slice(0, filled);
}
