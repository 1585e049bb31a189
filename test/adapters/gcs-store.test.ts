/**
 * GcsStore against a real server speaking the Cloud Storage JSON API: Google's Storage emulator from
 * firebase-tools (scripts/emulators/storage.ts). The emulator does not enforce ifGenerationMatch, so the
 * precondition part of the contract runs on LocalFolderStore/MemoryStore (local-store.test.ts) instead.
 * If the emulator cannot start, this suite fails (no skipping).
 */
import { Storage } from '@google-cloud/storage';
import * as path from 'node:path';
import { GcsStore } from '../../adapters/storage/gcs';
import { objectByteSource, openBucket } from '../../adapters/storage/open';
import { LocalFolderStore } from '../../adapters/storage/local';
import { startStorageEmulator, StorageEmulatorHandle } from '../../scripts/emulators/storage';
import { describeObjectStoreContract } from './store-contract';

let emulator: StorageEmulatorHandle;
let storage: Storage;
beforeAll(async () => {
  emulator = await startStorageEmulator();
  storage = new Storage({ apiEndpoint: emulator.apiEndpoint, projectId: 'buzzfinder-test' });
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});

let bucketCounter = 0;
const freshStore = () => new GcsStore({ bucket: `bf-test-${process.pid}-${bucketCounter++}`, storage });

describeObjectStoreContract('GcsStore (Cloud Storage emulator)', freshStore, { preconditions: false });

describe('GcsStore specifics', () => {
  test('location names the bucket and generations are Cloud Storage generations', async () => {
    const store = freshStore();
    expect(store.location).toMatch(/^gs:\/\/bf-test-/);
    const info = await store.write('x.json', '{}', { contentType: 'application/json' });
    const [metadata] = await store.bucket.file('x.json').getMetadata();
    expect(info.generation).toBe(String(metadata.generation));
    expect(info.contentType).toBe('application/json');
  });

  test('readRange past the end returns what exists, or nothing', async () => {
    const store = freshStore();
    await store.write('r.bin', new Uint8Array([1, 2, 3, 4, 5]));
    expect(Array.from(await store.readRange('r.bin', 3, 10))).toEqual([4, 5]);
    expect(Array.from(await store.readRange('r.bin', 5, 10))).toEqual([]);
    expect(Array.from(await store.readRange('r.bin', 1, 0))).toEqual([]);
    await expect(store.readRange('missing.bin', 0, 0)).rejects.toMatchObject({ code: 'not_found' });
  });

  test('objectByteSource streams an object by ranges', async () => {
    const store = freshStore();
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 31) % 256);
    await store.write('take.wav', bytes);
    const source = await objectByteSource(store, 'take.wav');
    expect(source.size).toBe(10_000);
    expect(Array.from(await source.read(9_990, 100))).toEqual(Array.from(bytes.slice(9_990)));
    expect(Array.from(await source.read(1234, 16))).toEqual(Array.from(bytes.slice(1234, 1250)));
    await expect(objectByteSource(store, 'nope.wav')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('openBucket', () => {
  test('local: a subfolder of localRoot; gcs: a GcsStore; bad bucket names are refused', () => {
    const local = openBucket({ storage: 'local', localRoot: '/tmp/bf-root' }, 'uploads');
    expect(local).toBeInstanceOf(LocalFolderStore);
    expect(local.location).toBe(path.join('/tmp/bf-root', 'uploads'));
    const gcs = openBucket({ storage: 'gcs', localRoot: '/unused' }, 'my-bucket');
    expect(gcs).toBeInstanceOf(GcsStore);
    expect(gcs.location).toBe('gs://my-bucket');
    for (const bad of ['..', '../x', 'a/b', '', 'UP']) expect(() => openBucket({ storage: 'local', localRoot: '/tmp/x' }, bad)).toThrow(TypeError);
  });
});
