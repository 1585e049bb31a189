/**
 * Reads a dataset from any ObjectStore (local folder, Cloud Storage, memory): the manifest plus every clip,
 * decoded with loadAudio (any WAV format/rate -> mono SAMPLE_RATE) and trimmed/zero-padded to CLIP_SAMPLES.
 *
 * A folder of class subfolders without manifest.json is a dataset too (a user's own recordings):
 * `<prefix>/<class>/<file>.wav` is its own group; `<prefix>/<class>/<group>/<file>.wav` puts every file of that
 * subfolder name (across classes) into group <group>. Source 'recorded'; splits by assignSplits with seed 0.
 */
import { loadAudio } from '../audio/load';
import { CLASSES, CLIP_SAMPLES, isToneClass, ToneClass } from '../constants';
import { BuzzfinderError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { sha256Hex } from './hash';
import { assignSplits, summarizeGroups } from './splits';
import { LabelledClip, Manifest, MANIFEST_FILE, MANIFEST_VERSION, ManifestClip, SPLITS } from './types';

export type DatasetErrorCode = 'dataset_not_found' | 'bad_manifest' | 'clip_missing' | 'bad_clip';

export class DatasetError extends BuzzfinderError {
  constructor(code: DatasetErrorCode, message: string) {
    super(code, message);
  }
}

function joinKey(prefix: string, rel: string): string {
  const p = prefix.replace(/\/+$/, '');
  return p ? `${p}/${rel}` : rel;
}

/** Trims or zero-pads to exactly CLIP_SAMPLES. */
export function fitClip(samples: Float32Array): Float32Array {
  if (samples.length === CLIP_SAMPLES) return samples;
  const out = new Float32Array(CLIP_SAMPLES);
  out.set(samples.subarray(0, Math.min(samples.length, CLIP_SAMPLES)));
  return out;
}

/** Checks the shape of a parsed manifest.json (throws DatasetError 'bad_manifest'). */
export function validateManifest(value: unknown): Manifest {
  const bad = (why: string): never => {
    throw new DatasetError('bad_manifest', `manifest.json: ${why}`);
  };
  if (typeof value !== 'object' || value === null) bad('not an object');
  const m = value as Partial<Manifest>;
  if (m.format !== 'buzzfinder-dataset') bad(`format must be 'buzzfinder-dataset', got ${JSON.stringify(m.format)}`);
  if (m.version !== MANIFEST_VERSION) bad(`unsupported version ${JSON.stringify(m.version)} (expected ${MANIFEST_VERSION})`);
  if (typeof m.id !== 'string' || !m.id) bad('missing id');
  if (!Array.isArray(m.clips)) bad('clips must be an array');
  const files = new Set<string>();
  m.clips!.forEach((c: Partial<ManifestClip>, i) => {
    if (typeof c !== 'object' || c === null) bad(`clip ${i} is not an object`);
    if (typeof c.file !== 'string' || !c.file || c.file.startsWith('/') || c.file.split('/').includes('..')) bad(`clip ${i}: bad file ${JSON.stringify(c.file)}`);
    if (files.has(c.file!)) bad(`clip ${i}: duplicate file ${c.file}`);
    files.add(c.file!);
    if (!isToneClass(c.label)) bad(`clip ${i} (${c.file}): label must be one of ${CLASSES.join(', ')}, got ${JSON.stringify(c.label)}`);
    if (!SPLITS.includes(c.split as never)) bad(`clip ${i} (${c.file}): bad split ${JSON.stringify(c.split)}`);
    if (typeof c.group !== 'string' || !c.group) bad(`clip ${i} (${c.file}): missing group`);
    if (!['synth', 'soundfont', 'recorded'].includes(c.source as string)) bad(`clip ${i} (${c.file}): bad source ${JSON.stringify(c.source)}`);
  });
  return m as Manifest;
}

/** Derives a manifest (without id/created) from `<class>/[<group>/]<file>.wav` keys relative to the dataset root. */
export function deriveManifestClips(relativeKeys: readonly string[], seed = 0): ManifestClip[] {
  const clips: ManifestClip[] = [];
  for (const rel of [...relativeKeys].sort()) {
    if (!rel.toLowerCase().endsWith('.wav')) continue;
    const parts = rel.split('/');
    if (parts.length < 2 || !isToneClass(parts[0])) continue;
    const label = parts[0] as ToneClass;
    const stem = parts[parts.length - 1].replace(/\.wav$/i, '');
    const group = parts.length >= 3 ? `recorded-${parts.slice(1, -1).join('/')}` : `recorded-${label}/${stem}`;
    clips.push({ file: rel, label, source: 'recorded', group, split: 'train' });
  }
  const splits = assignSplits(summarizeGroups(clips), { seed });
  for (const c of clips) c.split = splits.get(c.group)!;
  return clips;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Loads manifest + clips from `store` under `prefix` ('' for the store's root).
 * Without manifest.json, derives one from class subfolders (see the module comment); its id is the SHA-256 of the
 * clip list and the WAV bytes, so the same folder always has the same id.
 */
export async function loadDataset(store: ObjectStore, prefix: string): Promise<{ manifest: Manifest; clips: LabelledClip[] }> {
  if (typeof prefix !== 'string') throw new TypeError('loadDataset: prefix must be a string');
  const manifestKey = joinKey(prefix, MANIFEST_FILE);
  let manifest: Manifest;
  let derived = false;
  if (await store.exists(manifestKey)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(await store.read(manifestKey)));
    } catch (err) {
      throw new DatasetError('bad_manifest', `manifest.json is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    manifest = validateManifest(parsed);
  } else {
    const base = prefix.replace(/\/+$/, '');
    const listed = await store.list(base ? `${base}/` : '');
    const rel = listed.map((o) => (base ? o.key.slice(base.length + 1) : o.key));
    const clips = deriveManifestClips(rel);
    if (clips.length === 0) {
      throw new DatasetError(
        'dataset_not_found',
        `no ${MANIFEST_FILE} and no <class>/*.wav clips under '${prefix || '(root)'}' in ${store.location} (classes: ${CLASSES.join(', ')})`,
      );
    }
    manifest = { format: 'buzzfinder-dataset', version: MANIFEST_VERSION, id: '', created: '', sources: ['recorded'], clips };
    derived = true;
  }
  const hashes: string[] = [];
  const clips = await mapLimit(manifest.clips, 16, async (c): Promise<LabelledClip> => {
    const key = joinKey(prefix, c.file);
    let bytes: Uint8Array;
    try {
      bytes = await store.read(key);
    } catch (err) {
      if (err instanceof BuzzfinderError && err.code === 'not_found') throw new DatasetError('clip_missing', `clip ${c.file} listed in the manifest is missing`);
      throw err;
    }
    if (derived) hashes.push(`${c.file}\t${c.label}\t${c.group}\t${c.split}\t${sha256Hex(bytes)}`);
    let samples: Float32Array;
    try {
      samples = loadAudio(bytes).samples;
    } catch (err) {
      throw new DatasetError('bad_clip', `clip ${c.file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { ...c, samples: fitClip(samples) };
  });
  if (derived) {
    manifest.id = `sha256:${sha256Hex(hashes.sort().join('\n'))}`;
    manifest.created = new Date(0).toISOString();
  }
  return { manifest, clips };
}
