/**
 * split-take (google.cloud.storage.object.v1.finalized): a take lands in the uploads bucket -> its per-note
 * report and a small summary appear in the reports bucket:
 *   reports/<object name>.<generation>.json     the TakeReport, or {"error": {code, message}, ...}
 *   summaries/<object name>.<generation>.json   counts, model, link to the report (or the error)
 *
 * At-least-once delivery: the names are deterministic, an existing report means done, and every write is
 * create-only (a precondition failure = another delivery finished first = success). Bad input (not a WAV,
 * corrupt) produces an error report and returns (acknowledged, no retry storm); anything else (storage,
 * network) is rethrown so the platform retries. Events older than maxEventAgeSec are dropped with a log line.
 * Objects outside the uploads bucket/prefix, and the function's own output prefixes, are ignored, so the
 * function never triggers itself even if both buckets are one.
 */
import { openWavStream } from '../shared/audio/stream';
import { BuzzfinderError } from '../shared/errors';
import { buildTakeReport } from '../shared/report/build';
import { TakeReport, validateTakeReport } from '../shared/report/schema';
import { ObjectNotFoundError, ObjectStore, PreconditionFailedError, readJson, writeJson } from '../shared/storage/types';
import { objectByteSource } from '../adapters/storage/open';
import { StorageObjectEvent } from './events';
import { log } from './logger';
import type { ModelCache } from './model-cache';

export const REPORTS_PREFIX = 'reports/';
export const SUMMARIES_PREFIX = 'summaries/';
/** A listener's labels of a report (written by the take page, functions/takes.ts). */
export const CORRECTIONS_PREFIX = 'corrections/';
export const SUMMARY_FORMAT = 'buzzfinder-take-summary';

export interface SplitTakeDeps {
  uploads: ObjectStore;
  reports: ObjectStore;
  uploadsBucket: string;
  reportsBucket: string;
  uploadsPrefix: string;
  models: ModelCache;
  maxEventAgeSec: number;
  maxUploadBytes: number;
  now?: () => number;
}

export type SplitTakeOutcome = 'written' | 'error-report' | 'already-done' | 'ignored' | 'stale' | 'superseded' | 'gone' | 'malformed';

export function reportKeyFor(name: string, generation: string): string {
  return `${REPORTS_PREFIX}${name}.${generation}.json`;
}

export function summaryKeyFor(name: string, generation: string): string {
  return `${SUMMARIES_PREFIX}${name}.${generation}.json`;
}

interface ErrorReport {
  format: 'buzzfinder-report-error';
  version: 1;
  source: string;
  error: { code: string; message: string };
}

function isOwnOutput(name: string): boolean {
  return name.startsWith(REPORTS_PREFIX) || name.startsWith(SUMMARIES_PREFIX) || name.startsWith(CORRECTIONS_PREFIX) || name.split('/')[0] === '.buzzfinder-store';
}

/** Writes create-only; a precondition failure means another delivery wrote it first, which is success. */
async function writeOnce(store: ObjectStore, key: string, value: unknown): Promise<boolean> {
  try {
    await writeJson(store, key, value, { ifGenerationMatch: 0 });
    return true;
  } catch (err) {
    if (err instanceof PreconditionFailedError) return false;
    throw err;
  }
}

function summaryOf(options: { source: string; bucket: string; name: string; generation: string; reportKey: string; report: TakeReport | ErrorReport }) {
  const { report } = options;
  const base = {
    format: SUMMARY_FORMAT,
    version: 1,
    source: options.source,
    bucket: options.bucket,
    name: options.name,
    generation: options.generation,
    report: options.reportKey,
  };
  if ('error' in report) return { ...base, error: report.error };
  return { ...base, model: report.model, durationSec: report.durationSec, summary: report.summary };
}

export function createSplitTakeHandler(deps: SplitTakeDeps): (event: StorageObjectEvent) => Promise<SplitTakeOutcome> {
  const now = deps.now ?? Date.now;
  return async (event) => {
    const started = now();
    const data = event?.data;
    if (!data || typeof data.name !== 'string' || typeof data.bucket !== 'string' || data.generation === undefined) {
      log('ERROR', 'split-take: malformed storage event, acknowledged', { eventId: event?.id });
      return 'malformed';
    }
    const name = data.name;
    const generation = String(data.generation);
    const ctx = { eventId: event.id, bucket: data.bucket, object: name, generation };
    const eventTime = Date.parse(event.time ?? data.updated ?? data.timeCreated ?? '');
    if (Number.isFinite(eventTime) && started - eventTime > deps.maxEventAgeSec * 1000) {
      log('WARNING', 'split-take: dropping stale event', { ...ctx, ageSec: Math.round((started - eventTime) / 1000), maxEventAgeSec: deps.maxEventAgeSec });
      return 'stale';
    }
    if (data.bucket !== deps.uploadsBucket || !name.startsWith(deps.uploadsPrefix) || isOwnOutput(name) || name.endsWith('/')) {
      log('DEBUG', 'split-take: not an upload, ignored', ctx);
      return 'ignored';
    }
    const reportKey = reportKeyFor(name, generation);
    const summaryKey = summaryKeyFor(name, generation);
    const source = `${deps.uploads.location}/${name}`;

    // Redelivery: the report exists -> make sure the summary does too (a crash between the two writes), done.
    if (await deps.reports.exists(reportKey)) {
      if (!(await deps.reports.exists(summaryKey))) {
        const report = await readJson<TakeReport | ErrorReport>(deps.reports, reportKey);
        await writeOnce(deps.reports, summaryKey, summaryOf({ source, bucket: data.bucket, name, generation, reportKey, report }));
      }
      log('INFO', 'split-take: report already exists, nothing to do', { ...ctx, report: reportKey });
      return 'already-done';
    }

    const current = await deps.uploads.stat(name);
    if (!current) {
      log('WARNING', 'split-take: object no longer exists, acknowledged', ctx);
      return 'gone';
    }
    if (current.generation !== generation) {
      // Overwritten since: the newer generation has its own event (and its own report name).
      log('INFO', 'split-take: object was replaced by a newer generation, acknowledged', { ...ctx, current: current.generation });
      return 'superseded';
    }

    let report: TakeReport | ErrorReport;
    try {
      const wav = await openWavStream(await objectByteSource(deps.uploads, name), { maxBytes: deps.maxUploadBytes, reuseChunks: true });
      const built = await deps.models.use((classifier) => buildTakeReport({ source, audio: wav, classifier }));
      report = validateTakeReport(built);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) {
        log('WARNING', 'split-take: object deleted while reading, acknowledged', ctx);
        return 'gone';
      }
      if (!(err instanceof BuzzfinderError)) throw err; // transient: let the platform retry
      report = { format: 'buzzfinder-report-error', version: 1, source, error: { code: err.code, message: err.message } };
      log('ERROR', 'split-take: upload could not be analysed; error report written', { ...ctx, code: err.code, error: err.message, report: reportKey });
    }
    const wrote = await writeOnce(deps.reports, reportKey, report);
    await writeOnce(deps.reports, summaryKey, summaryOf({ source, bucket: data.bucket, name, generation, reportKey, report }));
    const outcome: SplitTakeOutcome = 'error' in report ? 'error-report' : wrote ? 'written' : 'already-done';
    log('INFO', 'split-take', {
      ...ctx,
      outcome,
      report: `${deps.reports.location}/${reportKey}`,
      notes: 'error' in report ? undefined : report.summary.notes,
      latencyMs: now() - started,
    });
    return outcome;
  };
}

