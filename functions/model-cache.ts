/**
 * The model a function instance serves: loaded once, refreshed when the registry's `latest` changes
 * (checked at most every `refreshSec`), falling back to the bundled default model when the registry has
 * none. A replaced model is disposed only when no request still uses it. Concurrent requests' clips are classified
 * in one batch (coalescing-classifier.ts).
 */
import { initTf } from '../adapters/tf-backend';
import { loadClassifier, TfClipClassifier } from '../shared/model/classifier';
import { ObjectStore } from '../shared/storage/types';
import { CoalescingClassifier } from './coalescing-classifier';
import { errorFields, log } from './logger';

/** Where the registry's current version lives, or null when it has none. */
export type LatestResolver = () => Promise<{ version: string; store: ObjectStore; prefix: string } | null>;

export interface ModelCacheOptions {
  resolveLatest: LatestResolver;
  /** The bundled model (models/default), used when the registry has no version. */
  fallback: { store: ObjectStore; prefix: string } | null;
  refreshSec: number;
  now?: () => number;
}

interface Loaded {
  key: string;
  classifier: TfClipClassifier;
  users: number;
  retired: boolean;
}

export class ModelUnavailableError extends Error {
  readonly code = 'model_unavailable';
}

export class ModelCache {
  private current: Loaded | null = null;
  private lastCheck = -Infinity;
  private pending: Promise<Loaded> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: ModelCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Runs `body` with the current model (refreshing first if it is time); the model stays alive until body settles. */
  async use<T>(body: (classifier: TfClipClassifier) => Promise<T> | T): Promise<T> {
    const loaded = await this.acquire();
    loaded.users++;
    try {
      return await body(loaded.classifier);
    } finally {
      loaded.users--;
      if (loaded.retired && loaded.users === 0) loaded.classifier.dispose();
    }
  }

  /** The identity of the model that would serve now (loads it if needed). */
  async identity(): Promise<{ name: string; version: string }> {
    return this.use((c) => ({ ...c.identity }));
  }

  /** Forces the next request to re-check the registry. */
  invalidate(): void {
    this.lastCheck = -Infinity;
  }

  dispose(): void {
    if (this.current) {
      this.current.retired = true;
      if (this.current.users === 0) this.current.classifier.dispose();
      this.current = null;
    }
  }

  private async acquire(): Promise<Loaded> {
    if (this.current && this.now() - this.lastCheck < this.options.refreshSec * 1000) return this.current;
    // One refresh at a time; concurrent requests wait for it.
    this.pending ??= this.refresh().finally(() => (this.pending = null));
    return this.pending;
  }

  private async refresh(): Promise<Loaded> {
    let target: { key: string; store: ObjectStore; prefix: string } | null = null;
    try {
      const latest = await this.options.resolveLatest();
      if (latest) target = { key: `registry:${latest.version}`, store: latest.store, prefix: latest.prefix };
    } catch (err) {
      // A registry outage must not take a working instance down: keep serving what we have.
      log('WARNING', 'model registry check failed', errorFields(err));
      if (this.current) {
        this.lastCheck = this.now();
        return this.current;
      }
    }
    if (!target && this.options.fallback) target = { key: 'default', ...this.options.fallback };
    this.lastCheck = this.now();
    if (!target) {
      if (this.current) return this.current;
      throw new ModelUnavailableError('no model in the registry and no bundled default model');
    }
    if (this.current && this.current.key === target.key) return this.current;
    let classifier: TfClipClassifier;
    try {
      await initTf();
      classifier = CoalescingClassifier.from(await loadClassifier(target.store, target.prefix));
    } catch (err) {
      log('ERROR', 'model load failed', { model: target.key, ...errorFields(err) });
      if (this.current) return this.current;
      if (target.key !== 'default' && this.options.fallback) {
        try {
          classifier = CoalescingClassifier.from(await loadClassifier(this.options.fallback.store, this.options.fallback.prefix));
          target = { key: 'default', ...this.options.fallback };
        } catch (fallbackErr) {
          throw new ModelUnavailableError(`no model could be loaded: ${(fallbackErr as Error).message}`);
        }
      } else {
        throw new ModelUnavailableError(`no model could be loaded: ${(err as Error).message}`);
      }
    }
    const previous = this.current;
    this.current = { key: target.key, classifier, users: 0, retired: false };
    log('INFO', 'model loaded', { model: classifier.identity, source: target.key });
    if (previous) {
      previous.retired = true;
      if (previous.users === 0) previous.classifier.dispose();
    }
    return this.current;
  }
}
