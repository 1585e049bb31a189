/**
 * classify (HTTP): which of buzzy / clean / muted is this note?
 *
 * POST a WAV (audio/wav, audio/x-wav, audio/wave, application/octet-stream) or multipart/form-data with one or
 * more WAV files -> `{"results": [{file, label, confidence, probabilities, durationSec, truncated}], "model"}`.
 * Each clip is its first 2 s (CLIP_SECONDS), zero-padded when shorter — as the original did; `truncated`
 * says when audio past 2 s was ignored.
 * POST application/json with MFCCs shaped (1, 87, 39, 1) or (87, 39) -> the original API's answer: the list
 * of three probabilities [buzzy, clean, muted]. The features are taken as the seed pipeline's raw
 * comprehensive MFCCs; a model trained with per-clip standardisation gets them standardised first.
 * A single clip that is not a note (silence, steady noise, model unsure: shared/no-note.ts) is 422 no_note with
 * its reason and level; in a multipart answer each result carries its own `error`.
 * GET -> health and the serving model. Errors: `{"error": {"code", "message"}}` (see docs/cloud.md).
 * Bodies are read here, not by the framework (functions/request-body.ts): header first, under the size cap.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { loadAudio } from '../shared/audio/load';
import { toPrediction } from '../shared/classifier';
import { CLIP_SAMPLES, CLIP_SECONDS, FEATURE_COEFFS, FEATURE_FRAMES, SAMPLE_RATE } from '../shared/constants';
import { assessNoNote, describeNoNote, measureClipLevels, NoNote } from '../shared/no-note';
import { PIPELINE_NAME, standardizePerClip } from '../shared/features/pipeline';
import type { TfClipClassifier } from '../shared/model/classifier';
import { errorBody, HttpError, toHttpError } from './http-errors';
import { errorFields, log } from './logger';
import type { ModelCache } from './model-cache';
import { closeAfterAnswer, readBody, readMultipartFiles, requestContentType, sniffWav, UploadedFile } from './request-body';

export const WAV_CONTENT_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'application/octet-stream'];
/** At most this many files per multipart request (each is decoded and classified in one batch). */
export const MAX_FILES_PER_REQUEST = 64;
/** MFCC JSON is ~60 KB; anything far bigger is refused (413) while it is read. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

export interface ClassifyDeps {
  models: ModelCache;
  maxUploadBytes: number;
}

/** MFCCs as the original API took them: (1, 87, 39, 1) or (87, 39) nested arrays -> frame-major values. */
export function parseFeatureJson(value: unknown): Float32Array {
  let rows: unknown = value;
  if (Array.isArray(rows) && rows.length === 1 && Array.isArray(rows[0]) && Array.isArray(rows[0][0]) && Array.isArray(rows[0][0][0])) {
    rows = rows[0]; // (1, 87, 39, 1) -> (87, 39, 1)
  }
  const shapeError = () =>
    new HttpError(400, 'bad_features', `expected MFCCs shaped (1, ${FEATURE_FRAMES}, ${FEATURE_COEFFS}, 1) or (${FEATURE_FRAMES}, ${FEATURE_COEFFS})`);
  if (!Array.isArray(rows) || rows.length !== FEATURE_FRAMES) throw shapeError();
  const out = new Float32Array(FEATURE_FRAMES * FEATURE_COEFFS);
  rows.forEach((row: unknown, t) => {
    if (!Array.isArray(row) || row.length !== FEATURE_COEFFS) throw shapeError();
    row.forEach((cell: unknown, c) => {
      const v = Array.isArray(cell) && cell.length === 1 ? cell[0] : cell;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new HttpError(400, 'bad_features', `feature [${t}][${c}] is not a finite number`);
      }
      out[t * FEATURE_COEFFS + c] = v;
    });
  });
  return out;
}

function classifyFeatureJson(classifier: TfClipClassifier, body: unknown): number[] {
  // Malformed features are the caller's mistake whatever model serves (400) — checked before the model's input (422).
  const values = parseFeatureJson(body);
  if (classifier.pipeline.name !== PIPELINE_NAME) {
    // MFCCs cannot be turned back into audio, so a model on another input (e.g. log-mel) cannot answer them.
    throw new HttpError(
      422,
      'mfcc_not_supported',
      `model ${classifier.identity.name}@${classifier.identity.version} takes '${classifier.pipeline.name}' features computed from audio; send the WAV instead of MFCCs`,
    );
  }
  // The original's input is the seed pipeline's raw MFCCs; a standardising model gets them standardised.
  if (classifier.pipeline.normalization === 'per-clip-standardize') standardizePerClip(values, { frames: FEATURE_FRAMES, coefficients: FEATURE_COEFFS });
  const [p] = classifier.classifyFeatures(values, 1);
  return [p.buzzy, p.clean, p.muted];
}

function noNoteError(noNote: NoNote): { code: 'no_note'; message: string; reason: NoNote['reason']; levelDb: number } {
  return { code: 'no_note', message: describeNoNote(noNote), reason: noNote.reason, levelDb: noNote.levelDb };
}

async function classifyWavFiles(classifier: TfClipClassifier, files: UploadedFile[], maxBytes: number) {
  const decoded = files.map(({ file, bytes }) => {
    try {
      const audio = loadAudio(bytes, { maxBytes });
      return { file, audio };
    } catch (err) {
      const http = toHttpError(err);
      throw new HttpError(http.status, http.code, `${file}: ${http.message}`);
    }
  });
  const clips = decoded.map(({ audio }) => audio.samples.subarray(0, CLIP_SAMPLES));
  const probabilities = await classifier.classifyClips(clips);
  return decoded.map(({ file, audio }, i) => {
    const prediction = toPrediction(probabilities[i]);
    const levels = measureClipLevels(clips[i]);
    const noNote = assessNoNote(levels, prediction.probabilities);
    return {
      file,
      label: prediction.label,
      confidence: prediction.confidence,
      probabilities: prediction.probabilities,
      durationSec: audio.durationSec,
      truncated: audio.samples.length > CLIP_SAMPLES,
      padded: audio.samples.length < CLIP_SAMPLES,
      levelDb: levels.levelDb,
      ...(noNote ? { error: noNoteError(noNote) } : {}),
    };
  });
}

export function createClassifyHandler(deps: ClassifyDeps): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const started = process.hrtime.bigint();
    let status = 200;
    const fields: Record<string, unknown> = {};
    try {
      if (req.method === 'GET') {
        const model = await deps.models.identity();
        res.status(200).json({ status: 'ok', model, clipSeconds: CLIP_SECONDS, sampleRate: SAMPLE_RATE, maxUploadBytes: deps.maxUploadBytes });
        return;
      }
      if (req.method !== 'POST') {
        res.set('Allow', 'GET, POST');
        throw new HttpError(405, 'method_not_allowed', `${req.method} is not supported; POST audio or features, GET for health`);
      }
      const type = requestContentType(req);
      if (type === 'application/json') {
        const body = await readJsonBody(req, deps.maxUploadBytes);
        const result = await deps.models.use((c) => {
          fields.model = c.identity;
          return classifyFeatureJson(c, body);
        });
        fields.input = 'features';
        res.status(200).json(result);
        return;
      }
      let files: UploadedFile[];
      const multipart = type === 'multipart/form-data';
      if (multipart) {
        files = await readMultipartFiles(req, { cap: deps.maxUploadBytes, maxFiles: MAX_FILES_PER_REQUEST });
        if (files.length === 0) throw new HttpError(400, 'no_files', 'the multipart request contains no file');
      } else if (WAV_CONTENT_TYPES.includes(type)) {
        const file = String(req.headers['x-file-name'] ?? 'upload.wav');
        files = [{ file, bytes: new Uint8Array(await readBody(req, { cap: deps.maxUploadBytes, sniff: sniffWav(file) })) }];
      } else {
        throw new HttpError(415, 'unsupported_media_type', `content type '${type || '(none)'}' is not supported; send ${WAV_CONTENT_TYPES.join(', ')}, multipart/form-data or application/json`);
      }
      fields.files = files.length;
      const body = await deps.models.use(async (c) => {
        fields.model = c.identity;
        return { results: await classifyWavFiles(c, files, deps.maxUploadBytes), model: { ...c.identity } };
      });
      // One clip that is not a note is an error (422); in a multipart answer each result carries its own.
      const single = body.results[0];
      if (!multipart && single.error) {
        const { code, message, ...details } = single.error;
        fields.noNote = details.reason;
        throw new HttpError(422, code, `${single.file}: ${message}`, details);
      }
      res.status(200).json(body);
    } catch (err) {
      const http = toHttpError(err);
      status = http.status;
      if (status >= 500) log('ERROR', 'classify failed', errorFields(err));
      fields.error = http.code;
      closeAfterAnswer(req, res);
      res.status(http.status).json(errorBody(http));
    } finally {
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      status = res.statusCode || status;
      log(status >= 500 ? 'ERROR' : status >= 400 ? 'WARNING' : 'INFO', 'classify', {
        httpRequest: {
          requestMethod: req.method,
          requestUrl: req.originalUrl ?? req.url,
          status,
          requestSize: String(req.headers['content-length'] ?? ''),
          userAgent: req.headers['user-agent'],
          latency: `${(latencyMs / 1000).toFixed(6)}s`,
        },
        latencyMs: Math.round(latencyMs * 100) / 100,
        ...fields,
      });
    }
  };
}

/** The JSON body, parsed by us (never by the framework), so a malformed one gets our error shape. */
async function readJsonBody(req: Request, maxUploadBytes: number): Promise<unknown> {
  const bytes = await readBody(req, { cap: Math.min(MAX_JSON_BYTES, maxUploadBytes) });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'bad_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
}
