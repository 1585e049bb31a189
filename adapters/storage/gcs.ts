/**
 * GcsStore: the ObjectStore on a Cloud Storage bucket (@google-cloud/storage).
 * Preconditions map to `ifGenerationMatch` (412 -> PreconditionFailedError); generations are Cloud
 * Storage's own (int64 as a decimal string); range reads use createReadStream({ start, end }).
 * Honours STORAGE_EMULATOR_HOST through the client library (or pass a Storage with apiEndpoint).
 */
import { Bucket, File, FileMetadata, Storage } from '@google-cloud/storage';
import { checkGeneration } from '../../shared/storage/memory';
import {
  assertValidKey,
  ObjectInfo,
  ObjectNotFoundError,
  ObjectStore,
  PreconditionFailedError,
  WriteOptions,
} from '../../shared/storage/types';

function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export function objectInfoFromMetadata(metadata: FileMetadata): ObjectInfo {
  if (!metadata.name || metadata.generation === undefined) throw new TypeError('Cloud Storage metadata without name or generation');
  const info: ObjectInfo = {
    key: metadata.name,
    size: Number(metadata.size ?? 0),
    generation: String(metadata.generation),
    updated: new Date(String(metadata.updated ?? metadata.timeCreated ?? Date.now())),
  };
  if (metadata.contentType) info.contentType = metadata.contentType;
  if (metadata.metadata && Object.keys(metadata.metadata).length > 0) {
    info.metadata = Object.fromEntries(Object.entries(metadata.metadata).map(([k, v]) => [k, String(v)]));
  }
  return info;
}

export class GcsStore implements ObjectStore {
  readonly location: string;
  readonly bucket: Bucket;

  constructor(options: { bucket: string; storage?: Storage }) {
    if (!options.bucket) throw new TypeError('GcsStore needs a bucket name');
    this.bucket = (options.storage ?? new Storage()).bucket(options.bucket);
    this.location = `gs://${options.bucket}`;
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      const [contents] = await this.file(key).download({ validation: false });
      return new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
    } catch (err) {
      if (httpStatus(err) === 404) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isInteger(offset) || offset < 0) throw new TypeError(`readRange offset must be a non-negative integer, got ${offset}`);
    if (!Number.isInteger(length) || length < 0) throw new TypeError(`readRange length must be a non-negative integer, got ${length}`);
    const file = this.file(key);
    if (length === 0) {
      if (!(await this.stat(key))) throw new ObjectNotFoundError(key);
      return new Uint8Array(0);
    }
    try {
      const chunks: Buffer[] = [];
      let wholeObject = false;
      // `end` is inclusive; validation is off because a range has no whole-object checksum.
      await new Promise<void>((resolve, reject) => {
        file
          .createReadStream({ start: offset, end: offset + length - 1, validation: false })
          // A 200 instead of 206 means the server ignored the range (emulators do for ranges past the end).
          .on('response', (res: { statusCode?: number }) => (wholeObject = res.statusCode === 200))
          .on('data', (chunk: Buffer) => chunks.push(chunk))
          .on('end', () => resolve())
          .on('error', reject);
      });
      let bytes = Buffer.concat(chunks);
      if (wholeObject) bytes = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
      else if (bytes.length > length) bytes = bytes.subarray(0, length);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      const status = httpStatus(err);
      if (status === 404) throw new ObjectNotFoundError(key);
      if (status === 416) return new Uint8Array(0); // offset at or past the end
      throw err;
    }
  }

  async write(key: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    const file = this.file(key);
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    try {
      await file.save(body, {
        resumable: false,
        contentType: options.contentType,
        metadata: options.metadata ? { metadata: options.metadata } : undefined,
        preconditionOpts: options.ifGenerationMatch !== undefined ? { ifGenerationMatch: Number(options.ifGenerationMatch) } : undefined,
      });
    } catch (err) {
      if (httpStatus(err) === 412) {
        throw new PreconditionFailedError(key, String(options.ifGenerationMatch) === '0' ? 'object already exists' : `generation is not ${options.ifGenerationMatch}`);
      }
      throw err;
    }
    if (file.metadata?.generation !== undefined && file.metadata.name === key) return objectInfoFromMetadata(file.metadata);
    const [metadata] = await file.getMetadata();
    return objectInfoFromMetadata(metadata);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const [metadata] = await this.file(key).getMetadata();
      return objectInfoFromMetadata(metadata);
    } catch (err) {
      if (httpStatus(err) === 404) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    if (typeof prefix !== 'string') throw new TypeError('list prefix must be a string');
    const [files] = await this.bucket.getFiles({ prefix: prefix || undefined, autoPaginate: true });
    return files.map((f) => objectInfoFromMetadata(f.metadata)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string, options: { ifGenerationMatch?: string | number } = {}): Promise<void> {
    const file = this.file(key);
    if (options.ifGenerationMatch === undefined) {
      await file.delete({ ignoreNotFound: true });
      return;
    }
    try {
      await file.delete({ ifGenerationMatch: Number(options.ifGenerationMatch) });
    } catch (err) {
      const status = httpStatus(err);
      // Same rule as every store: a missing object only satisfies '0'.
      if (status === 404) return checkGeneration(key, undefined, options.ifGenerationMatch);
      if (status === 412) throw new PreconditionFailedError(key, `generation is not ${options.ifGenerationMatch}`);
      throw err;
    }
  }

  private file(key: string): File {
    assertValidKey(key);
    return this.bucket.file(key);
  }
}
