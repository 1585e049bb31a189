import {
  assertValidKey,
  ObjectInfo,
  ObjectNotFoundError,
  ObjectStore,
  PreconditionFailedError,
  WriteOptions,
} from './types';

interface Entry {
  data: Uint8Array;
  info: ObjectInfo;
}

/** An ObjectStore in memory: for tests and for pure pipelines that need a scratch store. */
export class MemoryStore implements ObjectStore {
  readonly location = 'memory://';
  private readonly objects = new Map<string, Entry>();
  private nextGeneration = 1;

  async read(key: string): Promise<Uint8Array> {
    return this.get(key).data.slice();
  }

  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.get(key).data.slice(offset, offset + length);
  }

  async write(key: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    checkGeneration(key, this.objects.get(key)?.info.generation, options.ifGenerationMatch);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data.slice();
    const info: ObjectInfo = {
      key,
      size: bytes.length,
      generation: String(this.nextGeneration++),
      contentType: options.contentType,
      updated: new Date(),
      metadata: options.metadata,
    };
    this.objects.set(key, { data: bytes, info });
    return { ...info };
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    const entry = this.objects.get(key);
    return entry ? { ...entry.info } : null;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects.values()]
      .filter((e) => e.info.key.startsWith(prefix))
      .map((e) => ({ ...e.info }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string, options: { ifGenerationMatch?: string | number } = {}): Promise<void> {
    assertValidKey(key);
    const current = this.objects.get(key)?.info.generation;
    if (options.ifGenerationMatch !== undefined) checkGeneration(key, current, options.ifGenerationMatch);
    this.objects.delete(key);
  }

  private get(key: string): Entry {
    assertValidKey(key);
    const entry = this.objects.get(key);
    if (!entry) throw new ObjectNotFoundError(key);
    return entry;
  }
}

/** Shared precondition rule: '0' = must be absent, otherwise must equal the current generation. */
export function checkGeneration(key: string, current: string | undefined, expected: string | number | undefined): void {
  if (expected === undefined) return;
  const want = String(expected);
  if (want === '0') {
    if (current !== undefined) throw new PreconditionFailedError(key, 'object already exists');
  } else if (current !== want) {
    throw new PreconditionFailedError(key, `generation is ${current ?? 'absent'}, expected ${want}`);
  }
}
