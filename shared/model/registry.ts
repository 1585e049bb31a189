/**
 * Versioned models in an ObjectStore:
 *   <root>/<name>/v0001/{model.json, weights.bin, metadata.json, learning-curve.svg}   immutable (create-only writes)
 *   <root>/<name>/v0001/promotion.json                                                  the gate's decision, written once
 *   <root>/<name>/latest.json                                                           -> the promoted version
 * Version numbers are claimed with a create-only marker (`.claim`), so concurrent registrations never share one.
 * latest.json is replaced only with a generation precondition (compare-and-swap) after every file of the version
 * exists, so a reader following it never sees a half-written model. Rollback = point latest.json at an older version.
 */
import * as tf from '../tf';
import { BuzzfinderError } from '../errors';
import { ObjectStore, PreconditionFailedError, readJson, writeJson } from '../storage/types';
import { loadModelArtifact, loadModelMetadata, saveModelArtifact } from './artifact';
import { joinKey } from './io';
import { METADATA_JSON, ModelMetadata, PromotionRecord } from './metadata';

export const LATEST_JSON = 'latest.json';
export const PROMOTION_JSON = 'promotion.json';
const CLAIM = '.claim';
export const LATEST_FORMAT = 'buzzfinder-model-latest';

export class RegistryError extends BuzzfinderError {
  constructor(code: 'version_not_found' | 'registry_conflict' | 'bad_registry', message: string) {
    super(code, message);
  }
}

export interface LatestPointer {
  format: typeof LATEST_FORMAT;
  formatVersion: 1;
  name: string;
  version: string;
  /** Prefix of the version's artifact in the store. */
  prefix: string;
  updated: string;
  decision: PromotionRecord['decision'];
  reason: string;
  previous: string | null;
}

export interface LatestState {
  pointer: LatestPointer;
  /** Generation of latest.json, for compare-and-swap. */
  generation: string;
}

/** Scores a model on a fixed gate set (higher is better, e.g. accuracy). */
export interface QualityGate {
  name: string;
  score(model: tf.LayersModel, metadata: ModelMetadata): Promise<number>;
  /** A candidate may score this much below the current model and still be promoted (default 0.005). */
  tolerance?: number;
}

export interface RegisterResult {
  version: string;
  prefix: string;
  promoted: boolean;
  promotion: PromotionRecord;
}

export function formatVersion(n: number): string {
  return `v${String(n).padStart(4, '0')}`;
}

export function parseVersion(v: string): number | null {
  const m = /^v(\d{4,})$/.exec(v);
  return m ? Number(m[1]) : null;
}

export class ModelRegistry {
  readonly base: string;

  constructor(
    readonly store: ObjectStore,
    readonly name: string,
    options: { root?: string; clock?: () => Date; maxRetries?: number } = {},
  ) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new TypeError(`ModelRegistry: invalid model name '${name}'`);
    this.base = joinKey(options.root ?? 'models', name);
    this.clock = options.clock ?? (() => new Date());
    this.maxRetries = options.maxRetries ?? 20;
  }

  private readonly clock: () => Date;
  private readonly maxRetries: number;

  prefixOf(version: string): string {
    if (parseVersion(version) === null) throw new RegistryError('version_not_found', `'${version}' is not a version (expected v0001-style)`);
    return joinKey(this.base, version);
  }

  /** Complete versions (metadata.json present), oldest first. */
  async list(): Promise<string[]> {
    const objects = await this.store.list(`${this.base}/`);
    const versions = new Set<string>();
    for (const o of objects) {
      const m = new RegExp(`^${this.base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(v\\d{4,})/${METADATA_JSON}$`).exec(o.key);
      if (m) versions.add(m[1]);
    }
    return [...versions].sort((a, b) => parseVersion(a)! - parseVersion(b)!);
  }

  /** The promoted version, or null when nothing was promoted yet. Consistent: pointer and generation belong together. */
  async latest(): Promise<LatestState | null> {
    const key = joinKey(this.base, LATEST_JSON);
    for (let attempt = 0; attempt < this.maxRetries; attempt++) {
      const before = await this.store.stat(key);
      if (!before) return null;
      let pointer: LatestPointer;
      try {
        pointer = await readJson<LatestPointer>(this.store, key);
      } catch (err) {
        if ((err as { code?: string }).code === 'not_found') continue;
        throw err;
      }
      const after = await this.store.stat(key);
      if (after && after.generation === before.generation) {
        if (pointer.format !== LATEST_FORMAT || parseVersion(pointer.version) === null) throw new RegistryError('bad_registry', `${key} is not a latest pointer`);
        return { pointer, generation: after.generation };
      }
    }
    throw new RegistryError('registry_conflict', `${key} kept changing while being read`);
  }

  async metadata(version: string): Promise<ModelMetadata> {
    const prefix = this.prefixOf(version);
    if (!(await this.store.exists(joinKey(prefix, METADATA_JSON)))) throw new RegistryError('version_not_found', `${this.name} has no version ${version}`);
    return loadModelMetadata(this.store, prefix);
  }

  async promotionRecord(version: string): Promise<PromotionRecord | null> {
    const key = joinKey(this.prefixOf(version), PROMOTION_JSON);
    return (await this.store.exists(key)) ? readJson<PromotionRecord>(this.store, key) : null;
  }

  /** Claims the next free version number (create-only marker; on a race, takes the next). */
  private async claimVersion(): Promise<string> {
    const objects = await this.store.list(`${this.base}/`);
    let n = 0;
    for (const o of objects) {
      const v = parseVersion(o.key.slice(this.base.length + 1).split('/')[0]);
      if (v !== null) n = Math.max(n, v);
    }
    for (let attempt = 0; attempt < this.maxRetries; attempt++) {
      const version = formatVersion(++n);
      try {
        await this.store.write(joinKey(joinKey(this.base, version), CLAIM), this.clock().toISOString(), { ifGenerationMatch: 0 });
        return version;
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
      }
    }
    throw new RegistryError('registry_conflict', `could not claim a version of ${this.name} after ${this.maxRetries} attempts`);
  }

  /**
   * Stores `model` as a new immutable version, then promotes it if it passes the gate against the current model
   * (no current model, or no gate: promoted). A rejected candidate stays in the registry with the reason in
   * promotion.json. If another promotion lands meanwhile, the gate is re-run against the new current model.
   */
  async registerCandidate(options: {
    model: tf.LayersModel;
    metadata: Omit<ModelMetadata, 'name' | 'version' | 'parentVersion'> & Partial<Pick<ModelMetadata, 'parentVersion'>>;
    gate?: QualityGate;
  }): Promise<RegisterResult> {
    const version = await this.claimVersion();
    const prefix = this.prefixOf(version);
    const current = await this.latest();
    const metadata: ModelMetadata = {
      ...options.metadata,
      name: this.name,
      version,
      parentVersion: options.metadata.parentVersion ?? current?.pointer.version ?? null,
    } as ModelMetadata;
    await saveModelArtifact(this.store, prefix, options.model, metadata, { createOnly: true });
    const gate = options.gate;
    const candidateScore = gate ? await gate.score(options.model, metadata) : undefined;
    let state = current;
    for (let attempt = 0; attempt < this.maxRetries; attempt++) {
      let record: PromotionRecord;
      if (!state) {
        record = { decision: 'promoted', at: this.clock().toISOString(), reason: 'first model of the registry', candidateAccuracy: candidateScore, currentVersion: null };
      } else if (!gate) {
        record = { decision: 'promoted', at: this.clock().toISOString(), reason: 'no quality gate configured', currentVersion: state.pointer.version };
      } else {
        const currentScore = await this.scoreVersion(gate, state.pointer.version);
        const tolerance = gate.tolerance ?? 0.005;
        const pass = candidateScore! >= currentScore - tolerance;
        const fmt = (v: number) => v.toFixed(4);
        record = {
          decision: pass ? 'promoted' : 'rejected',
          at: this.clock().toISOString(),
          reason: pass
            ? `${gate.name}: ${fmt(candidateScore!)} >= ${fmt(currentScore)} - ${tolerance} (current ${state.pointer.version})`
            : `${gate.name}: ${fmt(candidateScore!)} < ${fmt(currentScore)} - ${tolerance} (current ${state.pointer.version}); kept, not promoted`,
          candidateAccuracy: candidateScore,
          currentAccuracy: currentScore,
          currentVersion: state.pointer.version,
        };
      }
      if (record.decision === 'rejected') {
        await writeJson(this.store, joinKey(prefix, PROMOTION_JSON), record, { ifGenerationMatch: 0 });
        return { version, prefix, promoted: false, promotion: record };
      }
      try {
        await this.writeLatest(version, record, state);
        await writeJson(this.store, joinKey(prefix, PROMOTION_JSON), record, { ifGenerationMatch: 0 });
        return { version, prefix, promoted: true, promotion: record };
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
        state = await this.latest(); // someone else promoted meanwhile: judge against the new current model
      }
    }
    throw new RegistryError('registry_conflict', `could not promote ${this.name} ${version}: latest.json kept changing`);
  }

  /** Points latest.json at `version` (compare-and-swap; pass `ifGeneration` to fail rather than retry on a race). */
  async promote(version: string, options: { reason?: string; ifGeneration?: string } = {}): Promise<LatestPointer> {
    return this.repoint(version, 'manual', options.reason ?? 'manual promotion', options.ifGeneration);
  }

  /** Points latest.json back at an older version. */
  async rollback(version: string, options: { reason?: string; ifGeneration?: string } = {}): Promise<LatestPointer> {
    return this.repoint(version, 'rollback', options.reason ?? 'rollback', options.ifGeneration);
  }

  private async repoint(version: string, decision: PromotionRecord['decision'], reason: string, ifGeneration?: string): Promise<LatestPointer> {
    await this.metadata(version); // must exist and be complete
    for (let attempt = 0; attempt < this.maxRetries; attempt++) {
      const state = await this.latest();
      if (ifGeneration !== undefined && (state?.generation ?? '0') !== ifGeneration) {
        throw new PreconditionFailedError(joinKey(this.base, LATEST_JSON), `generation is ${state?.generation ?? 'absent'}, expected ${ifGeneration}`);
      }
      try {
        return await this.writeLatest(version, { decision, at: this.clock().toISOString(), reason, currentVersion: state?.pointer.version ?? null }, state);
      } catch (err) {
        if (!(err instanceof PreconditionFailedError) || ifGeneration !== undefined) throw err;
      }
    }
    throw new RegistryError('registry_conflict', `could not update ${this.name} latest.json: it kept changing`);
  }

  private async writeLatest(version: string, record: PromotionRecord, state: LatestState | null): Promise<LatestPointer> {
    const pointer: LatestPointer = {
      format: LATEST_FORMAT,
      formatVersion: 1,
      name: this.name,
      version,
      prefix: this.prefixOf(version),
      updated: record.at,
      decision: record.decision,
      reason: record.reason,
      previous: state?.pointer.version ?? null,
    };
    await writeJson(this.store, joinKey(this.base, LATEST_JSON), pointer, { ifGenerationMatch: state ? state.generation : 0 });
    return pointer;
  }

  private async scoreVersion(gate: QualityGate, version: string): Promise<number> {
    const { model, metadata } = await loadModelArtifact(this.store, this.prefixOf(version));
    try {
      return await gate.score(model, metadata);
    } finally {
      model.dispose();
    }
  }
}
