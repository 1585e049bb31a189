/**
 * LocalFolderStore: the embedded default ObjectStore, one folder per bucket.
 *
 * Objects are plain files at `<root>/<key>` (so a take dropped into the folder by hand is an object, and a
 * report is a file you can open). Everything the store needs besides the bytes lives under the reserved
 * folder `<root>/.buzzfinder-store/`, which `list` never shows and keys may not enter:
 *   - `meta/<sha256(key)>.json`: generation, content type, custom metadata, and the identity
 *     (inode, size, mtime) of the data file it describes; kept as a tombstone after a delete so
 *     generations stay monotonic per key across delete + re-create;
 *   - `locks/<sha256(key)>.lock`: a per-key lock taken with O_EXCL around check-and-write, so
 *     preconditions hold across processes, not just across promises;
 *   - `tmp/`: bytes are written here first, then renamed (replace) or hard-linked (create-only) into place.
 *
 * A data file whose identity does not match its metadata was written by someone else (a user copying a
 * file in): its generation is derived from its mtime, never lower than the last recorded one + 1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, Dirent, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readFileRange } from '../file-read';
import { checkGeneration } from '../../shared/storage/memory';
import {
  assertValidKey,
  InvalidKeyError,
  ObjectInfo,
  ObjectNotFoundError,
  ObjectStore,
  WriteOptions,
} from '../../shared/storage/types';

/** The store's own folder inside its root; never an object, never listed. */
export const STORE_DIR = '.buzzfinder-store';

/** How long a lock may be held before another process may break it (a crashed holder). */
const LOCK_STALE_MS = 15_000;
/** Give up waiting for a key's lock after this long (a live holder never keeps it more than milliseconds). */
const LOCK_WAIT_MS = 30_000;

interface MetaRecord {
  format: 'buzzfinder-local-object';
  version: 1;
  key: string;
  generation: string;
  deleted?: boolean;
  contentType?: string;
  metadata?: Record<string, string>;
  updated: string;
  /** Identity of the data file this record describes. */
  ino?: string;
  size?: number;
  mtimeNs?: string;
}

interface Current {
  /** Undefined when absent. */
  generation: string | undefined;
  /** Highest generation ever recorded for the key (tombstones included), 0 if none. */
  floor: number;
  info: ObjectInfo | null;
}

const CONTENT_TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.bin': 'application/octet-stream',
};

function guessContentType(key: string): string | undefined {
  return CONTENT_TYPES[path.extname(key).toLowerCase()];
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export class LocalFolderStore implements ObjectStore {
  readonly location: string;
  private readonly root: string;
  private realRoot: Promise<string> | undefined;

  constructor(root: string) {
    if (typeof root !== 'string' || root.length === 0) throw new TypeError('LocalFolderStore needs a root folder');
    this.root = path.resolve(root);
    this.location = this.root;
  }

  async read(key: string): Promise<Uint8Array> {
    const file = await this.existingFile(key);
    try {
      return new Uint8Array(await fs.readFile(file));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'EISDIR')) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isInteger(offset) || offset < 0) throw new TypeError(`readRange offset must be a non-negative integer, got ${offset}`);
    if (!Number.isInteger(length) || length < 0) throw new TypeError(`readRange length must be a non-negative integer, got ${length}`);
    const file = await this.existingFile(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'EISDIR')) throw new ObjectNotFoundError(key);
      throw err;
    }
    try {
      return await readFileRange(handle, offset, length);
    } finally {
      await handle.close();
    }
  }

  async write(key: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    this.assertKey(key);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const dataPath = this.dataPath(key);
    const temp = await this.writeTemp(bytes);
    try {
      return await this.withLock(key, async () => {
        const current = await this.current(key, true);
        checkGeneration(key, current.generation, options.ifGenerationMatch);
        const generation = String(Math.max(current.floor + 1, nowMicros()));
        const createOnly = options.ifGenerationMatch !== undefined && String(options.ifGenerationMatch) === '0';
        await this.placeFile(key, temp, dataPath, createOnly);
        const st = await fs.stat(dataPath, { bigint: true });
        const record: MetaRecord = {
          format: 'buzzfinder-local-object',
          version: 1,
          key,
          generation,
          contentType: options.contentType ?? guessContentType(key),
          metadata: options.metadata,
          updated: new Date().toISOString(),
          ino: String(st.ino),
          size: Number(st.size),
          mtimeNs: String(st.mtimeNs),
        };
        await this.writeMeta(key, record);
        return this.infoFrom(record);
      });
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    this.assertKey(key);
    await this.assertInsideRoot(key, this.dataPath(key));
    return (await this.current(key)).info;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    if (typeof prefix !== 'string') throw new TypeError('list prefix must be a string');
    // Start the walk at the deepest folder the prefix names; filter the rest by string prefix.
    const slash = prefix.lastIndexOf('/');
    const dirPrefix = slash >= 0 ? prefix.slice(0, slash) : '';
    if (dirPrefix !== '') {
      try {
        assertValidKey(dirPrefix);
      } catch {
        return [];
      }
    }
    const keys: string[] = [];
    await this.walk(dirPrefix, keys);
    const infos: ObjectInfo[] = [];
    for (const key of keys.filter((k) => k.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const info = (await this.current(key)).info;
      if (info) infos.push(info);
    }
    return infos;
  }

  async delete(key: string, options: { ifGenerationMatch?: string | number } = {}): Promise<void> {
    this.assertKey(key);
    const dataPath = this.dataPath(key);
    await this.assertInsideRoot(key, dataPath);
    await this.withLock(key, async () => {
      const current = await this.current(key, true);
      if (options.ifGenerationMatch !== undefined) checkGeneration(key, current.generation, options.ifGenerationMatch);
      if (current.generation === undefined) return;
      await fs.rm(dataPath, { force: true });
      await this.writeMeta(key, {
        format: 'buzzfinder-local-object',
        version: 1,
        key,
        generation: String(current.floor),
        deleted: true,
        updated: new Date().toISOString(),
      });
      await this.removeEmptyParents(path.dirname(dataPath));
    });
  }

  // ---- keys and paths -------------------------------------------------------------------------

  private assertKey(key: string): void {
    assertValidKey(key);
    if (key.split('/')[0] === STORE_DIR) throw new InvalidKeyError(key, `'${STORE_DIR}' is reserved for the store's own files`);
  }

  private dataPath(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  private storePath(...parts: string[]): string {
    return path.join(this.root, STORE_DIR, ...parts);
  }

  private metaPath(key: string): string {
    return this.storePath('meta', `${hashKey(key)}.json`);
  }

  private lockPath(key: string): string {
    return this.storePath('locks', `${hashKey(key)}.lock`);
  }

  private getRealRoot(): Promise<string> {
    if (!this.realRoot) {
      this.realRoot = (async () => {
        await fs.mkdir(this.root, { recursive: true });
        return fs.realpath(this.root);
      })();
      // A failure (e.g. permissions) should not be cached forever.
      this.realRoot.catch(() => (this.realRoot = undefined));
    }
    return this.realRoot;
  }

  /** Refuses paths that resolve (through symlinks) outside the root. Checks the deepest existing ancestor. */
  private async assertInsideRoot(key: string, target: string): Promise<void> {
    const realRoot = await this.getRealRoot();
    let probe = target;
    for (;;) {
      try {
        const real = await fs.realpath(probe);
        if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
          throw new InvalidKeyError(key, 'resolves outside the store root');
        }
        if (probe === target) {
          const relative = path.relative(realRoot, real).split(path.sep);
          if (relative[0] === STORE_DIR) throw new InvalidKeyError(key, `resolves into '${STORE_DIR}'`);
        }
        return;
      } catch (err) {
        if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
        const parent = path.dirname(probe);
        if (parent === probe || probe === this.root) return;
        probe = parent;
      }
    }
  }

  private async existingFile(key: string): Promise<string> {
    this.assertKey(key);
    const file = this.dataPath(key);
    await this.assertInsideRoot(key, file);
    return file;
  }

  // ---- generations ----------------------------------------------------------------------------

  private async readMeta(key: string): Promise<MetaRecord | null> {
    try {
      const record = JSON.parse(await fs.readFile(this.metaPath(key), 'utf8')) as MetaRecord;
      return record.key === key ? record : null;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      if (err instanceof SyntaxError) return null; // never written by us half-way (rename), but be lenient
      throw err;
    }
  }

  private async writeMeta(key: string, record: MetaRecord): Promise<void> {
    const temp = await this.writeTemp(new TextEncoder().encode(JSON.stringify(record)));
    try {
      await fs.mkdir(this.storePath('meta'), { recursive: true });
      await fs.rename(temp, this.metaPath(key));
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  private infoFrom(record: MetaRecord): ObjectInfo {
    const info: ObjectInfo = {
      key: record.key,
      size: record.size ?? 0,
      generation: record.generation,
      updated: new Date(record.updated),
    };
    if (record.contentType !== undefined) info.contentType = record.contentType;
    if (record.metadata !== undefined) info.metadata = { ...record.metadata };
    return info;
  }

  /**
   * The key's current state. A data file that does not match its record is either mid-write by another
   * process (its lock exists: wait and look again) or was put there by someone else (derive a generation).
   */
  private async current(key: string, lockedByUs = false): Promise<Current> {
    const dataPath = this.dataPath(key);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      const record = await this.readMeta(key);
      const floor = record ? Number(record.generation) : 0;
      let st: import('node:fs').BigIntStats | null = null;
      try {
        st = await fs.stat(dataPath, { bigint: true });
      } catch (err) {
        if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
      }
      if (st && !st.isFile()) st = null;
      if (!st) {
        if (!lockedByUs && record && !record.deleted && (await this.lockHeld(key)) && Date.now() < deadline) {
          await sleep(Math.min(2 + attempt, 20));
          continue;
        }
        return { generation: undefined, floor, info: null };
      }
      const matches =
        record !== null &&
        !record.deleted &&
        record.ino === String(st.ino) &&
        record.size === Number(st.size) &&
        record.mtimeNs === String(st.mtimeNs);
      if (matches) return { generation: record.generation, floor, info: this.infoFrom(record) };
      if (!lockedByUs && (await this.lockHeld(key)) && Date.now() < deadline) {
        await sleep(Math.min(2 + attempt, 20));
        continue;
      }
      // Written from outside the store: a stable generation derived from the file itself.
      const generation = String(Math.max(floor + 1, Number(st.mtimeNs / 1000n)));
      const info: ObjectInfo = {
        key,
        size: Number(st.size),
        generation,
        updated: new Date(Number(st.mtimeMs)),
      };
      const contentType = guessContentType(key);
      if (contentType) info.contentType = contentType;
      return { generation, floor: Number(generation), info };
    }
  }

  // ---- files ----------------------------------------------------------------------------------

  private async writeTemp(bytes: Uint8Array): Promise<string> {
    const dir = this.storePath('tmp');
    await fs.mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const handle = await fs.open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return temp;
  }

  /** Moves the temp file into place: rename (replace) or hard link (create-only: EEXIST if anything is there). */
  private async placeFile(key: string, temp: string, dataPath: string, createOnly: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.assertInsideRoot(key, dataPath); // before mkdir: never create folders through an escaping symlink
      try {
        await fs.mkdir(path.dirname(dataPath), { recursive: true });
      } catch (err) {
        if (isErrno(err, 'EEXIST', 'ENOTDIR')) throw new InvalidKeyError(key, 'a parent path segment is an object, not a folder');
        throw err;
      }
      await this.assertInsideRoot(key, dataPath);
      try {
        if (createOnly) await fs.link(temp, dataPath);
        else await fs.rename(temp, dataPath);
        return;
      } catch (err) {
        // A concurrent delete may have removed the (then empty) parent folder: make it again.
        if (isErrno(err, 'ENOENT') && attempt < 5) continue;
        if (isErrno(err, 'EEXIST') && (await fs.lstat(dataPath)).isFile()) {
          // Only reachable when a file appeared from outside the store after our check.
          checkGeneration(key, 'external', '0');
        }
        if (isErrno(err, 'EISDIR', 'ENOTEMPTY', 'EEXIST')) throw new InvalidKeyError(key, 'a folder exists at this key');
        throw err;
      }
    }
  }

  private async removeEmptyParents(dir: string): Promise<void> {
    while (dir !== this.root && dir.startsWith(this.root + path.sep)) {
      try {
        await fs.rmdir(dir);
      } catch {
        return; // not empty, gone, or not ours to remove
      }
      dir = path.dirname(dir);
    }
  }

  private async walk(relDir: string, out: string[]): Promise<void> {
    const dir = relDir === '' ? this.root : this.dataPath(relDir);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    for (const entry of entries) {
      if (relDir === '' && entry.name === STORE_DIR) continue;
      const key = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      // Symlinks are never followed by list (and reads of them are confined to the root).
      if (entry.isDirectory()) await this.walk(key, out);
      else if (entry.isFile()) out.push(key);
    }
  }

  // ---- per-key lock ---------------------------------------------------------------------------

  /**
   * Whether a live writer holds the key's lock. A lock whose holder died (a SIGKILL mid-write) is broken first:
   * otherwise every reader of the key would wait LOCK_WAIT_MS for a writer that will never finish.
   */
  private async lockHeld(key: string): Promise<boolean> {
    const lock = this.lockPath(key);
    await this.breakStaleLock(lock); // no lock: nothing to read, it returns at once
    try {
      await fs.stat(lock);
      return true;
    } catch {
      return false;
    }
  }

  private async withLock<T>(key: string, body: () => Promise<T>): Promise<T> {
    const lock = this.lockPath(key);
    await fs.mkdir(path.dirname(lock), { recursive: true });
    const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await fs.open(lock, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
        try {
          await handle.writeFile(token);
        } finally {
          await handle.close();
        }
        break;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        await this.breakStaleLock(lock);
        if (Date.now() > deadline) throw new Error(`Timed out waiting for the lock on '${key}' (${lock})`);
        await sleep(Math.min(1 + attempt, 25) * (0.5 + Math.random()));
      }
    }
    try {
      return await body();
    } finally {
      // Only remove the lock if it is still ours (a stale-lock breaker may have taken it over).
      try {
        if ((await fs.readFile(lock, 'utf8')) === token) await fs.unlink(lock);
      } catch {
        // already gone
      }
    }
  }

  /** A lock whose holder died (same host, pid gone) or that is older than LOCK_STALE_MS is removed. */
  private async breakStaleLock(lock: string): Promise<void> {
    try {
      const [content, st] = await Promise.all([fs.readFile(lock, 'utf8'), fs.stat(lock)]);
      const pid = Number(content.split(' ')[0]);
      let dead = Date.now() - st.mtimeMs > LOCK_STALE_MS;
      if (!dead && content !== '' && Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 0);
        } catch (err) {
          dead = isErrno(err, 'ESRCH');
        }
      }
      if (!dead) return;
      // Rename first so that of several breakers only one removes this exact lock file.
      const aside = `${lock}.stale-${randomBytes(4).toString('hex')}`;
      await fs.rename(lock, aside);
      if ((await fs.readFile(aside, 'utf8')) === content) await fs.unlink(aside);
      else await fs.link(aside, lock).then(() => fs.unlink(aside), () => undefined); // never clobber a newer lock
    } catch {
      // lock vanished or unreadable: the caller just retries
    }
  }
}
