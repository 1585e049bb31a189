/**
 * openBucket: the one place that turns configuration + a bucket name into an ObjectStore.
 * local: the folder `<localRoot>/<bucket>`; gcs: the Cloud Storage bucket (one shared client per process).
 */
import { Storage } from '@google-cloud/storage';
import * as path from 'node:path';
import type { Config } from '../config';
import type { ByteSource } from '../../shared/audio/source';
import { ObjectNotFoundError, ObjectStore } from '../../shared/storage/types';
import { GcsStore } from './gcs';
import { LocalFolderStore } from './local';

let sharedStorage: Storage | undefined;

/** One Storage client per process (it pools connections); STORAGE_EMULATOR_HOST is honoured by the library. */
export function storageClient(): Storage {
  sharedStorage ??= new Storage();
  return sharedStorage;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export function openBucket(config: Pick<Config, 'storage' | 'localRoot'>, bucket: string): ObjectStore {
  // Cloud Storage's naming rule also keeps a local bucket to one safe folder name.
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw new TypeError(`Invalid bucket name '${bucket}'`);
  if (config.storage === 'gcs') return new GcsStore({ bucket, storage: storageClient() });
  return new LocalFolderStore(path.join(config.localRoot, bucket));
}

/**
 * A random-access ByteSource (shared/audio/source.ts) over one object, so a take is streamed with range
 * reads instead of being downloaded whole. Reads past the end are clipped to the object's size.
 */
export async function objectByteSource(store: ObjectStore, key: string): Promise<ByteSource> {
  const info = await store.stat(key);
  if (!info) {
    throw new ObjectNotFoundError(key);
  }
  return {
    size: info.size,
    read: (offset, length) => store.readRange(key, offset, Math.max(0, Math.min(length, info.size - offset))),
  };
}
