/**
 * Structured logs: one JSON object per line on stdout, which Cloud Logging parses (`severity`, `message`,
 * `httpRequest`, and any other field as jsonPayload). Locally it is just as greppable.
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(line + '\n');

/** Redirects log lines (tests capture them; the CLI may silence them). Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export function log(severity: Severity, message: string, fields: Record<string, unknown> = {}): void {
  const entry: Record<string, unknown> = { severity, message, time: new Date().toISOString(), ...fields };
  let line: string;
  try {
    line = JSON.stringify(entry);
  } catch {
    line = JSON.stringify({ severity, message, time: entry.time, note: 'fields were not serialisable' });
  }
  sink(line);
}

/** The loggable essentials of an error (code when it has one). */
export function errorFields(err: unknown): { code?: string; error: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), error: err.stack ?? err.message };
  }
  return { error: String(err) };
}
