/**
 * The object store every part of buzzfinder talks to: a local folder (the embedded default),
 * Cloud Storage in the cloud, memory in tests. Keys are '/'-separated relative paths.
 *
 * Generations make conditional writes possible without locks:
 * - `ifGenerationMatch: 0` means "create only if absent";
 * - `ifGenerationMatch: g` means "replace only if the current object is generation g".
 * A failed condition throws PreconditionFailedError; nothing is written.
 */
import { BuzzfinderError } from '../errors';

export interface ObjectInfo {
  key: string;
  size: number;
  /** Monotonic per key; changes on every write. Opaque string so Cloud Storage's int64 fits. */
  generation: string;
  contentType?: string;
  updated: Date;
  metadata?: Record<string, string>;
}

export interface WriteOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** '0' (or 0) = only if absent; otherwise only if the current generation equals this. */
  ifGenerationMatch?: string | number;
}

export interface ObjectStore {
  /** Human-readable location, for logs and reports (e.g. `gs://bucket` or a folder path). */
  readonly location: string;
  read(key: string): Promise<Uint8Array>;
  /** Read `length` bytes from `offset` (shorter at the end of the object). */
  readRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  write(key: string, data: Uint8Array | string, options?: WriteOptions): Promise<ObjectInfo>;
  /** Metadata, or null when the key does not exist. */
  stat(key: string): Promise<ObjectInfo | null>;
  exists(key: string): Promise<boolean>;
  /** All keys under a prefix (recursive), sorted. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deleting a missing key is not an error unless ifGenerationMatch is given. */
  delete(key: string, options?: { ifGenerationMatch?: string | number }): Promise<void>;
}

export class ObjectNotFoundError extends BuzzfinderError {
  constructor(readonly key: string) {
    super('not_found', `No object at '${key}'`);
  }
}

export class PreconditionFailedError extends BuzzfinderError {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super('precondition_failed', `Precondition failed for '${key}': ${detail}`);
  }
}

export class InvalidKeyError extends BuzzfinderError {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super('invalid_key', `Invalid object key '${key}': ${detail}`);
  }
}

/** Rejects keys that are empty, absolute, or climb out of the store ('..'), on every implementation. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'empty');
  if (key.startsWith('/') || key.includes('\\') || key.includes('\0')) {
    throw new InvalidKeyError(key, 'must be a relative path with / separators');
  }
  if (key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new InvalidKeyError(key, "no '.', '..' or empty path segments");
  }
}

export async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await store.read(key))) as T;
}

export async function writeJson(store: ObjectStore, key: string, value: unknown, options: WriteOptions = {}): Promise<ObjectInfo> {
  return store.write(key, JSON.stringify(value, null, 2) + '\n', { contentType: 'application/json', ...options });
}
