/**
 * What the take pages do with the buckets: list takes, read one (report + the listener's labels), save a label,
 * export the labels, turn them into a dataset and queue a retrain, accept an upload. Works on any ObjectStore and
 * RetrainQueue; the HTTP layer (take-pages.ts) only translates.
 *
 * Objects: a take's labels are `corrections/<object name>.<generation>.json` in the reports bucket, beside
 * `reports/` and `summaries/` (never written into the report). "Train on my corrections" writes the labelled
 * clips to `corrections/<take>-<generation>/<content hash>/` in the datasets bucket (manifest.json +
 * <class>/note-NNNN.wav, the layout `loadDataset` reads) and publishes a retrain message for that prefix.
 */
import { loadAudio } from '../shared/audio/load';
import { encodeWav16 } from '../shared/audio/encode';
import { SAMPLE_RATE } from '../shared/constants';
import { buildManifest } from '../shared/dataset/generate';
import { sha256Hex } from '../shared/dataset/hash';
import { clipsFromTake } from '../shared/dataset/import';
import { MANIFEST_FILE, ManifestClip } from '../shared/dataset/types';
import { BuzzfinderError } from '../shared/errors';
import type { TakeListItem } from '../shared/page/take-list';
import { correctionRows, correctionSplits, emptyCorrections, fileStem, labelsCsv, TakeCorrections, validateCorrections, withLabel } from '../shared/report/corrections';
import { TakeReport, validateTakeReport } from '../shared/report/schema';
import { assertValidKey, ObjectStore, PreconditionFailedError, readJson, writeJson } from '../shared/storage/types';
import type { RetrainQueue } from '../adapters/queue/types';
import { initTf } from '../adapters/tf-backend';
import { BundledModel, currentOrBundledVersion } from './registry-bridge';
import { parseRetrainMessage } from './retrain';
import { CORRECTIONS_PREFIX, REPORTS_PREFIX, reportKeyFor, SUMMARIES_PREFIX, summaryKeyFor } from './split-take';

/** Fewest labelled notes a retrain can use: one for training and one to validate on. */
export const MIN_TRAINING_LABELS = 2;

export interface TakesDeps {
  uploads: ObjectStore;
  reports: ObjectStore;
  datasets: ObjectStore;
  models: ObjectStore;
  queue: RetrainQueue;
  uploadsPrefix: string;
  modelName: string;
  maxUploadBytes: number;
  /** The bundled model (what classify serves while the registry is empty). */
  defaultModel: BundledModel;
  now?: () => Date;
}

export class TakeError extends BuzzfinderError {
  constructor(
    code: 'take_not_found' | 'report_not_ready' | 'report_error' | 'take_replaced' | 'too_few_labels' | 'bad_name' | 'not_wav' | 'too_large',
    message: string,
  ) {
    super(code, message);
  }
}

interface Summary {
  name: string;
  generation: string;
  report: string;
  durationSec?: number;
  summary?: { notes: number; clean: number; buzzy: number; muted: number };
  error?: { code: string; message: string };
}

export interface Take {
  id: string;
  name: string;
  generation: string;
  reportKey: string;
  report: TakeReport;
  corrections: TakeCorrections | null;
}

export function takeId(name: string, generation: string): string {
  return `${name}.${generation}`;
}

export function correctionsKeyFor(name: string, generation: string): string {
  return `${CORRECTIONS_PREFIX}${name}.${generation}.json`;
}

/** `<name>.<generation>` -> its parts (the generation is the digits after the last dot). */
function parseId(id: string): { name: string; generation: string } {
  const m = /^(.+)\.(\d+)$/.exec(id);
  if (!m) throw new TakeError('take_not_found', `no take '${id}'`);
  try {
    assertValidKey(m[1]);
    assertValidKey(summaryKeyFor(m[1], m[2]));
  } catch {
    throw new TakeError('take_not_found', `no take '${id}'`);
  }
  return { name: m[1], generation: m[2] };
}

async function readSummary(deps: TakesDeps, id: string): Promise<Summary | null> {
  const { name, generation } = parseId(id);
  const key = summaryKeyFor(name, generation);
  if (!(await deps.reports.exists(key))) return null;
  return readJson<Summary>(deps.reports, key);
}

/** Every take: reports (newest first), then uploads still being processed. */
export async function listTakes(deps: TakesDeps, viewUrl: (id: string) => string): Promise<TakeListItem[]> {
  const summaries = await deps.reports.list(SUMMARIES_PREFIX);
  const items: (TakeListItem & { at: number })[] = [];
  const seen = new Set<string>();
  for (const obj of summaries) {
    const s = await readJson<Summary>(deps.reports, obj.key).catch(() => null);
    if (!s || typeof s.name !== 'string' || typeof s.generation !== 'string') continue;
    const id = takeId(s.name, s.generation);
    seen.add(id);
    const at = obj.updated.getTime();
    if (s.error) items.push({ id, name: s.name, state: 'error', viewUrl: null, error: s.error, at });
    else items.push({ id, name: s.name, state: 'ready', viewUrl: viewUrl(id), durationSec: s.durationSec, counts: s.summary, updated: obj.updated.toISOString(), at });
  }
  items.sort((a, b) => b.at - a.at);
  const own = [REPORTS_PREFIX, SUMMARIES_PREFIX, CORRECTIONS_PREFIX];
  const pending = (await deps.uploads.list(deps.uploadsPrefix)).filter((o) => !own.some((p) => o.key.startsWith(p)) && !seen.has(takeId(o.key, o.generation)));
  const out: TakeListItem[] = items.map(({ at: _at, ...t }) => t);
  for (const o of pending) out.push({ id: takeId(o.key, o.generation), name: o.key, state: 'processing', viewUrl: null });
  return out;
}

/** Where an upload stands: processing (uploaded, no summary yet), ready or error. */
export async function takeState(deps: TakesDeps, id: string): Promise<{ state: 'processing' | 'ready' | 'error'; error?: Summary['error'] }> {
  const summary = await readSummary(deps, id);
  if (summary) return summary.error ? { state: 'error', error: summary.error } : { state: 'ready' };
  const { name, generation } = parseId(id);
  const obj = await deps.uploads.stat(name);
  if (!obj || obj.generation !== generation) throw new TakeError('take_not_found', `no take '${id}'`);
  return { state: 'processing' };
}

async function readCorrections(deps: TakesDeps, take: Omit<Take, 'corrections'>): Promise<{ corrections: TakeCorrections | null; generation: string }> {
  const key = correctionsKeyFor(take.name, take.generation);
  const info = await deps.reports.stat(key);
  if (!info) return { corrections: null, generation: '0' };
  return { corrections: validateCorrections(await readJson(deps.reports, key), take.report), generation: info.generation };
}

export async function loadTake(deps: TakesDeps, id: string): Promise<Take> {
  const summary = await readSummary(deps, id);
  if (!summary) throw new TakeError('take_not_found', `no report for take '${id}' (yet)`);
  if (summary.error) throw new TakeError('report_error', `${summary.name}: ${summary.error.code}: ${summary.error.message}`);
  const { name, generation } = parseId(id);
  const reportKey = reportKeyFor(name, generation);
  const report = validateTakeReport(await readJson(deps.reports, reportKey));
  const base = { id, name, generation, reportKey, report };
  return { ...base, corrections: (await readCorrections(deps, base)).corrections };
}

/** Labels note `index` of take `id` (read-modify-write on the corrections object, retried on a concurrent write). */
export async function saveLabel(deps: TakesDeps, id: string, index: unknown, label: unknown): Promise<TakeCorrections> {
  const take = await loadTake(deps, id);
  const key = correctionsKeyFor(take.name, take.generation);
  const now = deps.now ?? (() => new Date());
  for (let attempt = 0; ; attempt++) {
    const { corrections, generation } = await readCorrections(deps, take);
    const next = validateCorrections(withLabel(corrections ?? emptyCorrections(take.report, take.reportKey, now()), take.report, index as number, label, now()), take.report);
    try {
      await writeJson(deps.reports, key, next, { ifGenerationMatch: generation });
      return next;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError) || attempt >= 4) throw err;
    }
  }
}

/** The labels CSV of a take, and the take's object name (for the file name). */
export async function exportLabelsCsv(deps: TakesDeps, id: string): Promise<{ name: string; text: string }> {
  const take = await loadTake(deps, id);
  return { name: take.name, text: labelsCsv(take.corrections ?? emptyCorrections(take.report, take.reportKey, new Date(0))) };
}

/** The take's WAV as uploaded (only the generation the report was made from). */
export async function readTakeAudio(deps: TakesDeps, id: string): Promise<Uint8Array> {
  const { name, generation } = parseId(id);
  const obj = await deps.uploads.stat(name);
  if (!obj) throw new TakeError('take_not_found', `the upload '${name}' is gone`);
  if (obj.generation !== generation) throw new TakeError('take_replaced', `'${name}' was replaced by a newer upload`);
  return deps.uploads.read(name);
}

export interface TrainRequestResult {
  jobId: string;
  messageId: string;
  dataset: string;
  clips: number;
  from: string | null;
}

/**
 * Writes the labelled notes as a dataset (idempotent: the prefix and job id are derived from the labels, so the
 * same labels make the same dataset and job) and queues a retrain on it that fine-tunes the current model
 * (baseVersion).
 */
export async function trainOnCorrections(deps: TakesDeps, id: string): Promise<TrainRequestResult> {
  const take = await loadTake(deps, id);
  const corrections = take.corrections;
  if (!corrections || corrections.labels.length < MIN_TRAINING_LABELS) {
    throw new TakeError('too_few_labels', `label at least ${MIN_TRAINING_LABELS} notes first (this take has ${corrections?.labels.length ?? 0})`);
  }
  const hash = sha256Hex(`${take.reportKey}\n${labelsCsv(corrections)}`).slice(0, 12);
  const dataset = `corrections/${fileStem(take.name)}-${take.generation}/${hash}`;
  const jobId = `corrections-${hash}-${fileStem(take.name)}`.slice(0, 100);
  const manifestKey = `${dataset}/${MANIFEST_FILE}`;
  const count = corrections.labels.length;
  if (!(await deps.datasets.exists(manifestKey))) {
    const samples = loadAudio(await readTakeAudio(deps, id)).samples;
    const clips = clipsFromTake(samples, correctionRows(corrections));
    const group = (i: number) => `recorded-${fileStem(take.name)}/note-${corrections.labels[i].index}`;
    const manifestClips: ManifestClip[] = clips.map((c, i) => ({
      file: `${c.label}/note-${String(corrections.labels[i].index).padStart(4, '0')}.wav`,
      label: c.label,
      source: 'recorded',
      // One group per note: the split is per note (correctionSplits).
      group: group(i),
      split: 'train',
      ...(c.midi !== undefined ? { midi: c.midi } : {}),
      params: { original: take.name, report: take.reportKey, onsetSec: c.onsetSec, onsetFrom: 'labels', modelLabel: corrections.labels[i].was },
      augmentations: [],
    }));
    const splits = correctionSplits(clips.length);
    const hashes = new Map<string, string>();
    for (let i = 0; i < clips.length; i++) {
      manifestClips[i].split = splits[i];
      const bytes = encodeWav16(clips[i].samples, SAMPLE_RATE);
      hashes.set(manifestClips[i].file, sha256Hex(bytes));
      await deps.datasets.write(`${dataset}/${manifestClips[i].file}`, bytes, { contentType: 'audio/wav' });
    }
    const manifest = buildManifest({ clips: manifestClips, wavHashes: hashes, sources: ['recorded'], created: (deps.now ?? (() => new Date()))().toISOString() });
    await writeJson(deps.datasets, manifestKey, manifest);
  }
  const from = await baseVersion(deps);
  const message = parseRetrainMessage({ dataset, jobId, from });
  const messageId = await deps.queue.publish(message, { jobId });
  return { jobId, messageId, dataset, clips: count, from };
}

/**
 * The version the corrections fine-tune: the registry's latest. A registry without one would make the job train
 * from scratch on a handful of notes and promote that as its first model; so the bundled model (which classify
 * serves meanwhile, so nothing changes for anyone) is registered first and fine-tuned, and the quality gate
 * then compares the result with it.
 */
export async function baseVersion(deps: TakesDeps): Promise<string> {
  await initTf();
  return currentOrBundledVersion(deps.models, deps.modelName, deps.defaultModel, "base for training on a take's corrections");
}

/** A file name from a browser as an object name: its last path part, safe characters, a .wav ending. */
export function uploadName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._ -]+/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 120);
  if (!safe || !/\.wav$/i.test(safe)) throw new TakeError('bad_name', `expected a .wav file name, got ${JSON.stringify(fileName.slice(0, 80))}`);
  return safe;
}

export function looksLikeWav(bytes: Uint8Array): boolean {
  const tag = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  return bytes.length >= 12 && (tag(0) === 'RIFF' || tag(0) === 'RF64') && tag(8) === 'WAVE';
}

/** Stores an upload where the split-take watcher (or Eventarc) picks it up. */
export async function uploadTake(deps: TakesDeps, fileName: string, bytes: Uint8Array): Promise<{ id: string; name: string; generation: string; size: number }> {
  const name = `${deps.uploadsPrefix}${uploadName(fileName)}`;
  if (bytes.length > deps.maxUploadBytes) throw new TakeError('too_large', `the take is ${bytes.length} bytes; the limit is ${deps.maxUploadBytes} (BUZZFINDER_MAX_UPLOAD_BYTES)`);
  if (!looksLikeWav(bytes)) throw new TakeError('not_wav', `${name}: not a WAV file (no RIFF/WAVE header)`);
  const info = await deps.uploads.write(name, bytes, { contentType: 'audio/wav' });
  return { id: takeId(name, info.generation), name, generation: info.generation, size: info.size };
}
