/**
 * Request bodies of the classify route, read by us instead of the functions framework.
 *
 * The framework's express app runs body-parser on every request before the handler (json, text, urlencoded,
 * then raw for any type, limit 1024 MB): a 200 MB junk upload is buffered whole before the handler can look at
 * it, and a syntactically invalid JSON body is answered by express with an HTML page. `guardServerBodies`
 * subscribes to Node's `http.server.request.start` diagnostics channel, which fires before the server's
 * 'request' listener (the express app): it moves the Content-Type out of the headers, so no body parser matches
 * and the handler gets the untouched request stream. The handler then reads the body here: the first bytes are
 * checked at once (a WAV must start with RIFF/WAVE), the size cap is enforced while reading (413), and a request
 * refused early is answered at once; the rest of its body is never read (closeAfterAnswer).
 */
import busboy from 'busboy';
import diagnosticsChannel from 'node:diagnostics_channel';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { checkRiffHeader, RIFF_HEADER_BYTES_NEEDED } from '../shared/audio/wav-header';
import { HttpError, toHttpError } from './http-errors';
import { log } from './logger';

/** The Content-Type each guarded request arrived with (hidden from the framework's body parsers). */
const hiddenContentType = new WeakMap<IncomingMessage, string>();
/** After an early answer, the connection stays open (not read) this long so the client can read the answer. */
const LINGER_MS = 2000;

type RequestStart = { request: IncomingMessage; server: Server };

/**
 * Guards the bodies of requests to `server` (or, with no server, to every HTTP server of this process: the
 * deployed classify function, whose server the framework creates). Returns a function that removes the guard.
 * Also answers malformed HTTP (e.g. more bytes than Content-Length) with our JSON error instead of Node's bare 400.
 */
export function guardServerBodies(server?: Server): () => void {
  const onStart = (message: unknown) => {
    const { request, server: from } = message as RequestStart;
    if (server && from !== server) return;
    const type = request.headers['content-type'];
    if (type === undefined) return;
    hiddenContentType.set(request, type);
    delete request.headers['content-type'];
  };
  diagnosticsChannel.subscribe('http.server.request.start', onStart);
  const onClientError = (err: Error & { code?: string }, socket: import('node:net').Socket) => {
    log('WARNING', 'malformed HTTP request', { code: err.code ?? null, message: err.message });
    if (!socket.writable) return socket.destroy();
    const body = JSON.stringify({ error: { code: 'bad_request', message: `malformed HTTP request (${err.code ?? err.message})` } });
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  server?.on('clientError', onClientError);
  return () => {
    diagnosticsChannel.unsubscribe('http.server.request.start', onStart);
    server?.off('clientError', onClientError);
  };
}

/** The media type the client sent, lower case, without parameters. */
export function requestContentType(req: IncomingMessage): string {
  return String(hiddenContentType.get(req) ?? req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

/** The full Content-Type header (multipart needs its boundary parameter). */
export function requestContentTypeHeader(req: IncomingMessage): string | undefined {
  return hiddenContentType.get(req) ?? req.headers['content-type'];
}

/** What the framework left for us: its buffered body when it parsed the request (unguarded server), else null. */
function bufferedBody(req: IncomingMessage & { rawBody?: unknown; body?: unknown }): Buffer | null {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  return null;
}

export function checkDeclaredLength(req: IncomingMessage, cap: number): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > cap) throw new HttpError(413, 'too_large', `request body is ${declared} bytes, the limit is ${cap}`);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new HttpError(415, 'unsupported_encoding', `content encoding '${encoding}' is not supported; send the body uncompressed`);
}

/**
 * Calls `onChunk` for every chunk of the request stream until it ends. Stops (stream paused, listeners removed)
 * as soon as `onChunk` throws, and rejects with that error; rejects with 400 'aborted' if the client goes away.
 */
export function readChunks(req: IncomingMessage, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      try {
        onChunk(chunk);
      } catch (err) {
        cleanup();
        req.pause();
        reject(err);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new HttpError(400, 'aborted', `the request body could not be read: ${err.message}`));
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      reject(new HttpError(400, 'aborted', 'the client closed the connection before sending the whole body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export interface ReadBodyOptions {
  cap: number;
  /** Checked once on the first `sniffBytes` bytes (or on the whole body if it is shorter): throw to refuse. */
  sniff?: (head: Buffer) => void;
  sniffBytes?: number;
}

/** The whole body, read with the cap enforced as it arrives and the first bytes checked before the rest is read. */
export async function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Buffer> {
  const { cap, sniff, sniffBytes = RIFF_HEADER_BYTES_NEEDED } = options;
  checkDeclaredLength(req, cap);
  const buffered = bufferedBody(req);
  if (buffered) {
    if (buffered.length > cap) throw new HttpError(413, 'too_large', `request body is ${buffered.length} bytes, the limit is ${cap}`);
    if (sniff && buffered.length >= sniffBytes) sniff(buffered.subarray(0, sniffBytes));
    return buffered;
  }
  if (!req.readable || req.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  let sniffed = !sniff;
  await readChunks(req, (chunk) => {
    total += chunk.length;
    if (total > cap) throw new HttpError(413, 'too_large', `request body exceeds the limit of ${cap} bytes`);
    chunks.push(chunk);
    if (!sniffed && total >= sniffBytes) {
      sniffed = true;
      sniff!(Buffer.concat(chunks).subarray(0, sniffBytes));
    }
  });
  return Buffer.concat(chunks, total);
}

/** For WAV bodies: refuse anything whose first 12 bytes are not RIFF/WAVE. Decoder errors keep their codes. */
export function sniffWav(name: string): (head: Buffer) => void {
  return (head) => {
    try {
      checkRiffHeader(head);
    } catch (err) {
      const http = toHttpError(err);
      throw new HttpError(http.status, http.code, `${name}: ${http.message}`);
    }
  };
}

/**
 * After answering a request whose body was not (fully) read: stop reading (TCP flow control then holds the client
 * back: nothing more is buffered here, no CPU is spent on its bytes), leave the connection open for LINGER_MS so
 * the client reads the answer, then close it. Closing at once would make the kernel reset the connection while
 * the client is still sending, and a reset can wipe the answer from the client's receive buffer before it reads it.
 * Call it before sending the answer.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.readableEnded || req.destroyed) return;
  req.pause();
  const close = () => setTimeout(() => req.socket?.destroy(), LINGER_MS).unref();
  if (res.writableFinished) close();
  else res.once('finish', close);
}

export interface UploadedFile {
  file: string;
  bytes: Uint8Array;
}

/**
 * The file parts of a multipart/form-data body, streamed through busboy: each part's first bytes must be a
 * RIFF/WAVE header (refused at once otherwise), the whole body stays under `cap`, at most `maxFiles` files.
 */
export async function readMultipartFiles(req: IncomingMessage, options: { cap: number; maxFiles: number }): Promise<UploadedFile[]> {
  const { cap, maxFiles } = options;
  checkDeclaredLength(req, cap);
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { ...req.headers, 'content-type': requestContentTypeHeader(req) }, limits: { files: maxFiles, fileSize: cap } });
  } catch (err) {
    throw new HttpError(400, 'bad_multipart', `malformed multipart request: ${(err as Error).message}`);
  }
  const files: UploadedFile[] = [];
  let failure: HttpError | null = null;
  const fail = (err: HttpError) => (failure ??= err);
  let parts = 0;
  parser.on('file', (field, stream, info) => {
    const name = info.filename || field || `file${++parts}`;
    const chunks: Buffer[] = [];
    let size = 0;
    let sniffed = false;
    const sniff = sniffWav(name);
    const check = (head: Buffer) => {
      sniffed = true;
      try {
        sniff(head);
      } catch (err) {
        fail(err as HttpError);
      }
    };
    stream.on('data', (c: Buffer) => {
      if (failure) return;
      chunks.push(c);
      size += c.length;
      if (!sniffed && size >= RIFF_HEADER_BYTES_NEEDED) check(Buffer.concat(chunks).subarray(0, RIFF_HEADER_BYTES_NEEDED));
    });
    stream.on('limit', () => fail(new HttpError(413, 'too_large', `file '${name}' exceeds the limit of ${cap} bytes`)));
    // A part cut short ("Unexpected end of form") errors on its own stream too: unhandled, it would crash the request.
    stream.on('error', (err: Error) => fail(new HttpError(400, 'bad_multipart', `malformed multipart request: ${err.message}`)));
    stream.on('close', () => {
      if (!failure) files.push({ file: name, bytes: new Uint8Array(Buffer.concat(chunks, size)) });
    });
  });
  parser.on('filesLimit', () => fail(new HttpError(400, 'too_many_files', `at most ${maxFiles} files per request`)));
  let parseError: HttpError | null = null;
  const finished = new Promise<void>((resolve, reject) => {
    parser.on('error', (err: Error) => reject((parseError = new HttpError(400, 'bad_multipart', `malformed multipart request: ${err.message}`))));
    parser.on('close', () => resolve());
  });
  finished.catch(() => undefined); // awaited below; a parse error may come while the body is still being read
  const buffered = bufferedBody(req);
  if (buffered) {
    if (buffered.length > cap) throw new HttpError(413, 'too_large', `request body is ${buffered.length} bytes, the limit is ${cap}`);
    parser.end(buffered);
  } else {
    let total = 0;
    await readChunks(req, (chunk) => {
      total += chunk.length;
      if (total > cap) throw new HttpError(413, 'too_large', `request body exceeds the limit of ${cap} bytes`);
      if (failure) throw failure;
      if (parseError) throw parseError;
      parser.write(chunk);
    });
    parser.end();
  }
  await finished;
  if (failure) throw failure;
  return files;
}

/** The functions framework's own server for a registered function, with its bodies guarded (local stack, tests, bench). */
export function guardedFrameworkServer(functionName: string): Server {
  const server = getTestServer(functionName) as Server;
  const unguard = guardServerBodies(server);
  server.once('close', unguard);
  return server;
}

/** True in a process the framework started for `target` (deployed: FUNCTION_TARGET; locally: --target). */
export function isFrameworkTarget(target: string, env = process.env, argv = process.argv): boolean {
  return env.FUNCTION_TARGET === target || argv.includes(`--target=${target}`) || argv.some((a, i) => a === '--target' && argv[i + 1] === target);
}
