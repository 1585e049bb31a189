/** The classify endpoint's error responses: `{"error": {"code", "message"}}` with a stable code and status. */
import { BuzzfinderError } from '../shared/errors';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields of the error object (no_note: reason, levelDb). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Maps any thrown value to status + body. Bad input (BuzzfinderError) is 400 (too_large: 413); the rest is 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if ((err as { code?: unknown })?.code === 'model_unavailable') return new HttpError(503, 'model_unavailable', (err as Error).message);
  if (err instanceof BuzzfinderError) return new HttpError(err.code === 'too_large' ? 413 : 400, err.code, err.message);
  return new HttpError(500, 'internal', 'internal error');
}

export function errorBody(err: HttpError): { error: { code: string; message: string } & Record<string, unknown> } {
  return { error: { code: err.code, message: err.message, ...err.details } };
}
