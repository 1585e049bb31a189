import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { LocalFolderStore, STORE_DIR } from '../../adapters/storage/local';
import { MemoryStore } from '../../shared/storage/memory';
import { PreconditionFailedError } from '../../shared/storage/types';
import { describeObjectStoreContract } from './store-contract';

const run = promisify(execFile);
const CHILD = path.join(__dirname, 'fixtures', 'store-race-child.ts');
const TSX_CJS = require.resolve('tsx/cjs');

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'bf-local-store-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

let counter = 0;
async function freshRoot(): Promise<string> {
  const root = path.join(scratch, `root-${counter++}`);
  await fs.mkdir(root, { recursive: true });
  return root;
}

describeObjectStoreContract('MemoryStore', () => new MemoryStore());
describeObjectStoreContract('LocalFolderStore', async () => new LocalFolderStore(await freshRoot()));

describe('LocalFolderStore specifics', () => {
  test('objects are plain files at <root>/<key>; the store folder is hidden from list and keys', async () => {
    const root = await freshRoot();
    const store = new LocalFolderStore(root);
    await store.write('reports/take.json', '{"ok":true}');
    expect(await fs.readFile(path.join(root, 'reports', 'take.json'), 'utf8')).toBe('{"ok":true}');
    expect((await fs.readdir(path.join(root, STORE_DIR))).sort()).toEqual(expect.arrayContaining(['meta']));
    expect((await store.list('')).map((i) => i.key)).toEqual(['reports/take.json']);
    // no temp files left behind
    expect(await fs.readdir(path.join(root, STORE_DIR, 'tmp'))).toEqual([]);
    await expect(store.write(`${STORE_DIR}/meta/x`, 'x')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(store.read(`${STORE_DIR}/meta/x`)).rejects.toMatchObject({ code: 'invalid_key' });
  });

  test('a file copied in from outside is an object with a stable generation; replacing it by hand changes it', async () => {
    const root = await freshRoot();
    const store = new LocalFolderStore(root);
    await fs.mkdir(path.join(root, 'uploads'), { recursive: true });
    await fs.writeFile(path.join(root, 'uploads', 'take.wav'), 'RIFF....');
    const first = (await store.stat('uploads/take.wav'))!;
    expect(first).toMatchObject({ key: 'uploads/take.wav', size: 8, contentType: 'audio/wav' });
    expect((await store.stat('uploads/take.wav'))!.generation).toBe(first.generation);
    await expect(store.write('uploads/take.wav', 'x', { ifGenerationMatch: 0 })).rejects.toBeInstanceOf(PreconditionFailedError);

    // The store writes over it using the derived generation, then a by-hand overwrite moves it on again.
    const written = await store.write('uploads/take.wav', 'RIFF2', { ifGenerationMatch: first.generation });
    expect(BigInt(written.generation) > BigInt(first.generation)).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    await fs.writeFile(path.join(root, 'uploads', 'take.wav'), 'RIFF-by-hand');
    const after = (await store.stat('uploads/take.wav'))!;
    expect(BigInt(after.generation) > BigInt(written.generation)).toBe(true);
    expect(after.size).toBe('RIFF-by-hand'.length);
  });

  test('generations stay monotonic across delete and re-create', async () => {
    const store = new LocalFolderStore(await freshRoot());
    const g1 = BigInt((await store.write('k', 'a')).generation);
    await store.delete('k');
    const g2 = BigInt((await store.write('k', 'b', { ifGenerationMatch: 0 })).generation);
    expect(g2 > g1).toBe(true);
  });

  test('a deleted key leaves no empty folders, so the name can become an object', async () => {
    const root = await freshRoot();
    const store = new LocalFolderStore(root);
    await store.write('a/b/c', 'x');
    await expect(store.write('a/b', 'y')).rejects.toMatchObject({ code: 'invalid_key' });
    await store.delete('a/b/c');
    await expect(fs.stat(path.join(root, 'a'))).rejects.toMatchObject({ code: 'ENOENT' });
    await store.write('a/b', 'y');
    expect(new TextDecoder().decode(await store.read('a/b'))).toBe('y');
  });

  test('symlinks that escape the root are refused for reads and writes; nothing is created outside', async () => {
    const root = await freshRoot();
    const outside = await freshRoot();
    await fs.writeFile(path.join(outside, 'secret.txt'), 'secret');
    const store = new LocalFolderStore(root);
    await fs.symlink(outside, path.join(root, 'escape'));
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));

    await expect(store.read('escape/secret.txt')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(store.readRange('escape/secret.txt', 0, 3)).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(store.read('secret-link.txt')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(store.stat('escape/secret.txt')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(store.write('escape/new/file.txt', 'x')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(store.delete('escape/secret.txt')).rejects.toMatchObject({ code: 'invalid_key' });
    expect((await fs.readdir(outside)).sort()).toEqual(['secret.txt']);
    expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    // list never follows symlinks
    expect((await store.list('')).map((i) => i.key)).toEqual([]);

    // A symlink that stays inside the root is an ordinary path.
    await store.write('inside/real.txt', 'ok');
    await fs.symlink(path.join(root, 'inside'), path.join(root, 'alias'));
    expect(new TextDecoder().decode(await store.read('alias/real.txt'))).toBe('ok');
  });

  test('a root that is itself a symlink works', async () => {
    const real = await freshRoot();
    const link = path.join(scratch, `link-root-${counter++}`);
    await fs.symlink(real, link);
    const store = new LocalFolderStore(link);
    await store.write('x/y.txt', 'hi');
    expect(await fs.readFile(path.join(real, 'x', 'y.txt'), 'utf8')).toBe('hi');
    expect((await store.list('x/')).map((i) => i.key)).toEqual(['x/y.txt']);
  });

  test('a lock left by a dead process is broken', async () => {
    const root = await freshRoot();
    const store = new LocalFolderStore(root);
    await store.write('locked', 'v1');
    // Leave a lock owned by a process that has exited.
    const { stdout } = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const locks = path.join(root, STORE_DIR, 'locks');
    const { createHash } = await import('node:crypto');
    await fs.writeFile(path.join(locks, `${createHash('sha256').update('locked').digest('hex')}.lock`), `${stdout} deadbeef`);
    await store.write('locked', 'v2');
    expect(new TextDecoder().decode(await store.read('locked'))).toBe('v2');
  });

  test('a reader does not wait for a dead writer that left its lock mid-write', async () => {
    // A process killed between replacing the data file and updating its record leaves the lock behind; readers
    // used to wait 30 s (LOCK_WAIT_MS) for it, which stalled a retrain job resumed after a SIGKILL.
    const root = await freshRoot();
    const store = new LocalFolderStore(root);
    await store.write('status.json', '{"step":0}');
    const { stdout } = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const { createHash } = await import('node:crypto');
    await fs.writeFile(path.join(root, STORE_DIR, 'locks', `${createHash('sha256').update('status.json').digest('hex')}.lock`), `${stdout} deadbeef`);
    await fs.writeFile(path.join(root, 'status.json'), '{"step":1}'); // the new bytes, record not yet updated
    const started = Date.now();
    expect(new TextDecoder().decode(await store.read('status.json'))).toBe('{"step":1}');
    expect((await store.stat('status.json'))?.size).toBe(10);
    expect(Date.now() - started).toBeLessThan(5_000); // the lock wait is 30 s
  });

  test('readRange rejects negative or fractional offsets', async () => {
    const store = new LocalFolderStore(await freshRoot());
    await store.write('r', 'abc');
    await expect(store.readRange('r', -1, 2)).rejects.toBeInstanceOf(TypeError);
    await expect(store.readRange('r', 0.5, 2)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('LocalFolderStore across processes', () => {
  async function children(root: string, key: string, mode: 'create' | 'replace', n: number, rounds = 0): Promise<Record<string, unknown>[]> {
    const startAt = Date.now() + 1500; // all children start writing at the same moment, after tsx has loaded
    const outputs = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        run(process.execPath, ['--require', TSX_CJS, CHILD, root, key, mode, `c${i}`, String(startAt), String(rounds)], { timeout: 60_000 }),
      ),
    );
    return outputs.map((o) => JSON.parse(o.stdout.trim()) as Record<string, unknown>);
  }

  test('create-only from 6 processes: exactly one wins and its bytes are the object', async () => {
    const root = await freshRoot();
    const results = await children(root, 'jobs/one.lock', 'create', 6);
    const winners = results.filter((r) => r.won === true);
    expect(winners).toHaveLength(1);
    const store = new LocalFolderStore(root);
    expect(new TextDecoder().decode(await store.read('jobs/one.lock'))).toBe(`winner ${winners[0].id}`);
    expect((await store.stat('jobs/one.lock'))!.generation).toBe(winners[0].generation);
  });

  test('replace-if-generation increments from 4 processes lose no update', async () => {
    const root = await freshRoot();
    const store = new LocalFolderStore(root);
    await store.write('counter.json', JSON.stringify({ count: 0, by: [] }));
    const results = await children(root, 'counter.json', 'replace', 4, 8);
    const final = JSON.parse(new TextDecoder().decode(await store.read('counter.json'))) as { count: number; by: string[] };
    expect(final.count).toBe(32);
    expect(final.by).toHaveLength(32);
    for (const r of results) expect(final.by.filter((b) => b === r.id)).toHaveLength(8);
  });
});
