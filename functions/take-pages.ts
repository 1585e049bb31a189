/**
 * The take pages over HTTP, under /takes/ on the local stack's port (classify keeps `/`):
 *   GET  /takes/                               the list of takes + upload form
 *   GET  /takes/view/<id>                      one take (id = <object name>.<generation>, URL-encoded)
 *   GET  /takes/audio/<id>                     its WAV
 *   GET  /takes/assets/<name>                  a file of the fixed asset table (adapters/page-assets.ts)
 *   GET  /takes/api/takes[/<id>]               JSON: the list / one take's state
 *   POST /takes/api/takes/<id>/labels          {"index", "label"} -> the saved corrections
 *   GET  /takes/api/takes/<id>/labels.csv      onset_sec,label,midi (what `dataset import --labels` reads)
 *   POST /takes/api/takes/<id>/train           dataset of the labelled notes + a retrain message
 *   POST /takes/api/upload?name=<file.wav>     the WAV as the body (at most BUZZFINDER_MAX_UPLOAD_BYTES)
 * Thin: parse, call functions/takes.ts, render with shared/page, map errors to {"error": {code, message}}.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { PAGE_SCRIPTS, PAGE_STYLES, readPageAsset } from '../adapters/page-assets';
import { BuzzfinderError } from '../shared/errors';
import type { PageAssets } from '../shared/page/html';
import { renderTakeList } from '../shared/page/take-list';
import { renderTakeView } from '../shared/page/take-view';
import { fileStem } from '../shared/report/corrections';
import { HttpError } from './http-errors';
import { errorFields, log } from './logger';
import { requestContentType } from './request-body';
import type { FunctionsRuntime } from './runtime';
import { exportLabelsCsv, listTakes, loadTake, readTakeAudio, saveLabel, TakeError, takeState, TakesDeps, trainOnCorrections, uploadTake } from './takes';

export const TAKES_BASE = '/takes/';
/** JSON bodies of the label endpoint are tiny. */
const MAX_JSON_BYTES = 64 * 1024;

const STATUS: Record<string, number> = {
  take_not_found: 404,
  report_not_ready: 404,
  report_error: 409,
  take_replaced: 410,
  too_few_labels: 409,
  too_large: 413,
};

const url = {
  view: (id: string) => `${TAKES_BASE}view/${encodeURIComponent(id)}`,
  audio: (id: string) => `${TAKES_BASE}audio/${encodeURIComponent(id)}`,
  api: (id: string, what = '') => `${TAKES_BASE}api/takes/${encodeURIComponent(id)}${what}`,
};

const servedAssets: PageAssets = { kind: 'urls', scripts: PAGE_SCRIPTS.map((n) => `${TAKES_BASE}assets/${n}`), styles: PAGE_STYLES.map((n) => `${TAKES_BASE}assets/${n}`) };

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

const HTML_HEADERS = { 'Content-Security-Policy': "default-src 'self'; media-src 'self' blob: data:; connect-src 'self' blob: data:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'" };

/** Reads the body, refusing more than `limit` bytes (413 before reading when Content-Length says so). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () => new TakeError('too_large', `body over ${limit} bytes (BUZZFINDER_MAX_UPLOAD_BYTES)`);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readBody(req, MAX_JSON_BYTES));
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'bad_json', 'expected a JSON object body');
}

/** `<base>` + path segments, each URL-decoded (an encoded '/' stays inside its segment). */
function segmentsOf(pathname: string): string[] {
  return pathname
    .slice(TAKES_BASE.length)
    .split('/')
    .filter((s, i, all) => s !== '' || i < all.length - 1)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new HttpError(400, 'bad_path', 'malformed URL encoding');
      }
    });
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const WAV_TYPES = new Set(['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'application/octet-stream']);

/**
 * The pages answer only requests addressed to the loopback host (a DNS-rebinding page gets 403), and changes only
 * come from the page itself: a cross-origin Origin is refused, and mutations need a content type that a foreign
 * page cannot send without a CORS preflight (which is never answered), so no other site can relabel, train or upload.
 */
function checkRequest(req: IncomingMessage, method: string): void {
  const host = String(req.headers.host ?? '').toLowerCase();
  if (!LOOPBACK_HOSTS.has(host.replace(/:\d+$/, ''))) throw new HttpError(403, 'forbidden_host', `the take pages answer on 127.0.0.1 only (Host: ${host.slice(0, 60)})`);
  if (method === 'GET') return;
  const origin = req.headers.origin;
  if (origin !== undefined && (origin === 'null' || safeHost(origin) !== host)) throw new HttpError(403, 'cross_origin', 'requests from other sites are refused');
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function requireType(req: IncomingMessage, allowed: (type: string) => boolean, expected: string): void {
  // On the local stack's guarded server the Content-Type is moved out of the headers (functions/request-body.ts).
  const type = requestContentType(req);
  if (!allowed(type)) throw new HttpError(415, 'unsupported_media_type', `expected Content-Type ${expected}, got '${type.slice(0, 60)}'`);
}

const requireJson = (req: IncomingMessage) => requireType(req, (t) => t === 'application/json', 'application/json');

async function route(deps: TakesDeps, req: IncomingMessage, res: ServerResponse, method: string, parts: string[], query: URLSearchParams): Promise<void> {
  checkRequest(req, method);
  const [head, ...rest] = parts;
  const only = (...methods: string[]) => {
    if (!methods.includes(method)) throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here (${methods.join(', ')})`);
  };
  if (parts.length === 0 || (parts.length === 1 && head === '')) {
    only('GET');
    const takes = await listTakes(deps, url.view);
    return send(res, 200, 'text/html; charset=utf-8', renderTakeList({ takes, maxUploadBytes: deps.maxUploadBytes, api: { upload: `${TAKES_BASE}api/upload`, takes: `${TAKES_BASE}api/takes` }, assets: servedAssets }), HTML_HEADERS);
  }
  if (head === 'assets' && rest.length === 1) {
    only('GET');
    const asset = readPageAsset(rest[0]);
    if (!asset) throw new HttpError(404, 'not_found', 'no such asset');
    return send(res, 200, asset.type, asset.text);
  }
  if (head === 'view' && rest.length === 1) {
    only('GET');
    const take = await loadTake(deps, rest[0]);
    const html = renderTakeView({
      report: take.report,
      title: take.name,
      corrections: take.corrections,
      audioUrl: url.audio(take.id),
      exportStem: fileStem(take.name),
      assets: servedAssets,
      api: { corrections: url.api(take.id, '/labels'), labelsCsv: url.api(take.id, '/labels.csv'), train: url.api(take.id, '/train'), audio: url.audio(take.id), list: TAKES_BASE },
    });
    return send(res, 200, 'text/html; charset=utf-8', html, HTML_HEADERS);
  }
  if (head === 'audio' && rest.length === 1) {
    only('GET');
    return send(res, 200, 'audio/wav', await readTakeAudio(deps, rest[0]));
  }
  if (head === 'api' && rest[0] === 'upload' && rest.length === 1) {
    only('POST');
    requireType(req, (t) => WAV_TYPES.has(t), 'audio/wav');
    const name = query.get('name') ?? String(req.headers['x-file-name'] ?? '');
    const bytes = await readBody(req, deps.maxUploadBytes);
    const stored = await uploadTake(deps, name, bytes);
    return sendJson(res, 201, { ...stored, status: url.api(stored.id), view: url.view(stored.id) });
  }
  if (head === 'api' && rest[0] === 'takes') {
    const [, id, action] = rest;
    if (rest.length === 1) {
      only('GET');
      return sendJson(res, 200, { takes: await listTakes(deps, url.view) });
    }
    if (rest.length === 2) {
      only('GET');
      return sendJson(res, 200, { id, ...(await takeState(deps, id)), view: url.view(id) });
    }
    if (rest.length === 3 && action === 'labels') {
      only('POST');
      requireJson(req);
      const body = await readJsonBody(req);
      return sendJson(res, 200, await saveLabel(deps, id, body.index, body.label));
    }
    if (rest.length === 3 && action === 'labels.csv') {
      only('GET');
      const csv = await exportLabelsCsv(deps, id);
      return send(res, 200, 'text/csv; charset=utf-8', csv.text, { 'Content-Disposition': `attachment; filename="${fileStem(csv.name)}.labels.csv"` });
    }
    if (rest.length === 3 && action === 'train') {
      only('POST');
      requireJson(req);
      return sendJson(res, 202, await trainOnCorrections(deps, id));
    }
  }
  throw new HttpError(404, 'not_found', 'no such page');
}

function toError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof BuzzfinderError) return new HttpError(STATUS[err.code] ?? 400, err.code, err.message);
  return new HttpError(500, 'internal', 'internal error');
}

/** A request listener for paths under /takes/. */
export function createTakePagesHandler(deps: TakesDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const method = req.method ?? 'GET';
    const started = Date.now();
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (parsed.pathname === TAKES_BASE.slice(0, -1)) {
      res.writeHead(301, { Location: TAKES_BASE }).end();
      return;
    }
    Promise.resolve()
      .then(() => route(deps, req, res, method, segmentsOf(parsed.pathname), parsed.searchParams))
      .catch((err: unknown) => {
        const e = toError(err);
        if (e.status >= 500) log('ERROR', 'take page failed', { path: parsed.pathname, ...errorFields(err) });
        if (!res.headersSent) sendJson(res, e.status, { error: { code: e.code, message: e.message } });
        else res.destroy();
        // A refused upload: stop reading the rest of the body.
        if (e.status === 413) req.resume();
      })
      .finally(() => {
        if (method !== 'GET') log('INFO', 'take page', { method, path: parsed.pathname, status: res.statusCode, latencyMs: Date.now() - started });
      });
  };
}

/** Whether a request belongs to the take pages (everything else stays with classify). */
export function isTakePagePath(rawUrl: string | undefined): boolean {
  const p = (rawUrl ?? '/').split('?')[0];
  return p === '/takes' || p.startsWith(TAKES_BASE);
}

/**
 * Puts the take pages in front of an existing server's request listener (the functions framework's app for
 * classify): /takes/... goes to `pages`, every other request to the original listener, untouched.
 */
export function mountTakePages(server: Server, pages: (req: IncomingMessage, res: ServerResponse) => void): void {
  const original = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isTakePagePath(req.url)) pages(req, res);
    else for (const listener of original) listener.call(server, req, res);
  });
}

/** The take pages' dependencies from the functions runtime. */
export function takesDepsOf(runtime: FunctionsRuntime): TakesDeps {
  const { config } = runtime;
  return {
    uploads: runtime.uploads,
    reports: runtime.reports,
    datasets: runtime.datasets,
    models: runtime.models,
    queue: runtime.queue,
    uploadsPrefix: config.uploadsPrefix,
    modelName: config.modelName,
    maxUploadBytes: config.maxUploadBytes,
    defaultModel: runtime.bundled,
  };
}
