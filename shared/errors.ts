/**
 * Base of every error the core raises on bad input. `code` is stable and machine-readable:
 * the HTTP layer maps it to a status, the CLI prints it, reports record it.
 */
export class BuzzfinderError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
