/** The serving model: bundled fallback, refresh when the registry's latest changes (at most every refreshSec), outage tolerance. */
import { latestVersion } from '../../functions/registry-bridge';
import { ModelRegistry } from '../../shared/model/registry';
import { ModelCache } from '../../functions/model-cache';
import { MemoryStore } from '../../shared/storage/memory';
import { captureLogs, saveTinyModel } from './helpers';

test('falls back to the bundled model, switches when latest changes after refreshSec, survives registry outages', async () => {
  const logs = captureLogs();
  const registry = new MemoryStore();
  const bundled = new MemoryStore();
  await saveTinyModel(bundled, 'default', { version: 'bundled' });
  let clock = 0;
  let registryDown = false;
  const cache = new ModelCache({
    resolveLatest: async () => {
      if (registryDown) throw new Error('registry unreachable');
      const latest = await latestVersion(registry, 'buzzfinder');
      return latest ? { version: latest.version, store: registry, prefix: latest.prefix } : null;
    },
    fallback: { store: bundled, prefix: 'default' },
    refreshSec: 60,
    now: () => clock,
  });
  expect(await cache.identity()).toEqual({ name: 'buzzfinder', version: 'bundled' });

  const models = new ModelRegistry(registry, 'buzzfinder');
  await saveTinyModel(registry, models.prefixOf('v0001'), { version: 'v0001' });
  await models.promote('v0001');
  clock += 30_000;
  expect((await cache.identity()).version).toBe('bundled'); // not checked again before refreshSec
  clock += 31_000;
  expect((await cache.identity()).version).toBe('v0001');

  // A model in use while it is replaced stays usable until that use ends.
  await saveTinyModel(registry, models.prefixOf('v0002'), { version: 'v0002', seed: 9 });
  await models.promote('v0002');
  clock += 61_000;
  const inUse = cache.use(async (c) => {
    await new Promise((r) => setTimeout(r, 50));
    return c.classifyClips([new Float32Array(44100)]);
  });
  cache.invalidate();
  expect((await cache.identity()).version).toBe('v0002');
  expect((await inUse)[0].clean).toBeGreaterThan(0);

  registryDown = true;
  clock += 61_000;
  expect((await cache.identity()).version).toBe('v0002');
  expect(logs.lines().some((l) => l.message === 'model registry check failed')).toBe(true);
  cache.dispose();
  logs.restore();
}, 60_000);
