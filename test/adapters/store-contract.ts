/**
 * The ObjectStore behaviour every implementation must share, run against MemoryStore, LocalFolderStore and
 * GcsStore (against the Cloud Storage emulator). `preconditions: false` leaves out the conditional-write
 * checks for a server that does not enforce them (the firebase storage emulator).
 */
import { ObjectStore, PreconditionFailedError, readJson, writeJson } from '../../shared/storage/types';

export function describeObjectStoreContract(name: string, open: () => ObjectStore | Promise<ObjectStore>, options: { preconditions: boolean } = { preconditions: true }): void {
  describe(`${name}: ObjectStore contract`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await open();
    });

    test('write, read, stat and exists round-trip bytes, content type and metadata', async () => {
      const bytes = new Uint8Array(1000).map((_, i) => (i * 7) % 256);
      const info = await store.write('takes/a.wav', bytes, { contentType: 'audio/wav', metadata: { source: 'test' } });
      expect(info.key).toBe('takes/a.wav');
      expect(info.size).toBe(1000);
      expect(info.generation).toMatch(/^[1-9][0-9]*$/);
      expect(Array.from(await store.read('takes/a.wav'))).toEqual(Array.from(bytes));
      const st = await store.stat('takes/a.wav');
      expect(st).toMatchObject({ key: 'takes/a.wav', size: 1000, generation: info.generation, contentType: 'audio/wav', metadata: { source: 'test' } });
      expect(st!.updated).toBeInstanceOf(Date);
      expect(await store.exists('takes/a.wav')).toBe(true);
      expect(await store.exists('takes/b.wav')).toBe(false);
      expect(await store.stat('takes/b.wav')).toBeNull();
    });

    test('strings are stored as UTF-8 and JSON helpers round-trip', async () => {
      await store.write('s.txt', 'héllo');
      expect(new TextDecoder().decode(await store.read('s.txt'))).toBe('héllo');
      await writeJson(store, 'j/x.json', { a: [1, 2], b: 'c' });
      expect(await readJson(store, 'j/x.json')).toEqual({ a: [1, 2], b: 'c' });
      expect((await store.stat('j/x.json'))!.contentType).toBe('application/json');
    });

    test('readRange returns the requested slice, shorter at the end', async () => {
      const bytes = new Uint8Array(300).map((_, i) => i % 251);
      await store.write('r.bin', bytes);
      expect(Array.from(await store.readRange('r.bin', 10, 5))).toEqual([10, 11, 12, 13, 14]);
      expect(Array.from(await store.readRange('r.bin', 295, 50))).toEqual(Array.from(bytes.slice(295)));
      expect(Array.from(await store.readRange('r.bin', 0, 300))).toEqual(Array.from(bytes));
    });

    test('reading a missing key throws not_found', async () => {
      await expect(store.read('nope/x')).rejects.toMatchObject({ code: 'not_found' });
      await expect(store.readRange('nope/x', 0, 4)).rejects.toMatchObject({ code: 'not_found' });
    });

    test('every write changes the generation, increasing', async () => {
      const g1 = (await store.write('g', 'one')).generation;
      const g2 = (await store.write('g', 'two')).generation;
      const g3 = (await store.write('g', 'three')).generation;
      expect(BigInt(g2) > BigInt(g1)).toBe(true);
      expect(BigInt(g3) > BigInt(g2)).toBe(true);
      expect((await store.stat('g'))!.generation).toBe(g3);
    });

    test('list is recursive, prefix-filtered (string prefix, not folder) and sorted', async () => {
      for (const key of ['b/2.json', 'a/x/1.json', 'a/1.json', 'a/10.json', 'ab.json', 'a/x/0.json', 'c.json']) await store.write(key, key);
      expect((await store.list('a/')).map((i) => i.key)).toEqual(['a/1.json', 'a/10.json', 'a/x/0.json', 'a/x/1.json']);
      expect((await store.list('a')).map((i) => i.key)).toEqual(['a/1.json', 'a/10.json', 'a/x/0.json', 'a/x/1.json', 'ab.json']);
      expect((await store.list('a/1')).map((i) => i.key)).toEqual(['a/1.json', 'a/10.json']);
      expect((await store.list('')).map((i) => i.key)).toEqual(['a/1.json', 'a/10.json', 'a/x/0.json', 'a/x/1.json', 'ab.json', 'b/2.json', 'c.json']);
      expect(await store.list('zzz/')).toEqual([]);
      const [first] = await store.list('b/');
      expect(first).toMatchObject({ key: 'b/2.json', size: 'b/2.json'.length });
    });

    test('delete removes; deleting a missing key is fine', async () => {
      await store.write('d/x', 'x');
      await store.delete('d/x');
      expect(await store.exists('d/x')).toBe(false);
      await expect(store.delete('d/x')).resolves.toBeUndefined();
      expect((await store.list('d/')).length).toBe(0);
    });

    test('invalid keys are refused', async () => {
      for (const key of ['', '/abs', '../up', 'a/../b', 'a//b', './a', 'a\\b']) {
        await expect(store.write(key, 'x')).rejects.toMatchObject({ code: 'invalid_key' });
        await expect(store.read(key)).rejects.toMatchObject({ code: 'invalid_key' });
      }
    });

    if (options.preconditions) {
      test("ifGenerationMatch '0' creates only if absent", async () => {
        const info = await store.write('p/once', 'first', { ifGenerationMatch: 0 });
        await expect(store.write('p/once', 'second', { ifGenerationMatch: '0' })).rejects.toBeInstanceOf(PreconditionFailedError);
        expect(new TextDecoder().decode(await store.read('p/once'))).toBe('first');
        expect((await store.stat('p/once'))!.generation).toBe(info.generation);
      });

      test('ifGenerationMatch g replaces only generation g', async () => {
        const g1 = (await store.write('p/rep', 'v1')).generation;
        const g2 = (await store.write('p/rep', 'v2', { ifGenerationMatch: g1 })).generation;
        await expect(store.write('p/rep', 'v3', { ifGenerationMatch: g1 })).rejects.toMatchObject({ code: 'precondition_failed' });
        expect(new TextDecoder().decode(await store.read('p/rep'))).toBe('v2');
        await expect(store.write('p/absent', 'v', { ifGenerationMatch: g2 })).rejects.toMatchObject({ code: 'precondition_failed' });
        expect(await store.exists('p/absent')).toBe(false);
      });

      test('delete with ifGenerationMatch', async () => {
        const g = (await store.write('p/del', 'v')).generation;
        await store.write('p/del', 'v2');
        await expect(store.delete('p/del', { ifGenerationMatch: g })).rejects.toMatchObject({ code: 'precondition_failed' });
        expect(await store.exists('p/del')).toBe(true);
        await store.delete('p/del', { ifGenerationMatch: (await store.stat('p/del'))!.generation });
        expect(await store.exists('p/del')).toBe(false);
        await expect(store.delete('p/del', { ifGenerationMatch: g })).rejects.toMatchObject({ code: 'precondition_failed' });
      });

      test('concurrent create-only writes from many promises: exactly one wins', async () => {
        const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => store.write('race/one', `w${i}`, { ifGenerationMatch: 0 })));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
        expect(new TextDecoder().decode(await store.read('race/one'))).toBe(`w${winners[0]}`);
      });

      test('replace-if-generation read-modify-write from many promises loses no update', async () => {
        await store.write('race/counter', JSON.stringify({ count: 0 }));
        const increment = async () => {
          for (;;) {
            const info = (await store.stat('race/counter'))!;
            const { count } = JSON.parse(new TextDecoder().decode(await store.read('race/counter'))) as { count: number };
            try {
              await store.write('race/counter', JSON.stringify({ count: count + 1 }), { ifGenerationMatch: info.generation });
              return;
            } catch (err) {
              if (!(err instanceof PreconditionFailedError)) throw err;
            }
          }
        };
        await Promise.all(Array.from({ length: 12 }, increment));
        expect(JSON.parse(new TextDecoder().decode(await store.read('race/counter')))).toEqual({ count: 12 });
      });
    }
  });
}
