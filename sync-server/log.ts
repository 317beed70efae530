/**
 * The server's log: one JSON line per event on stderr. Fields are chosen by the caller and
 * never include tokens, passwords or request bodies; `redact` guards against a slip.
 * `quiet` silences routine `info` lines only: `warn` (security events an admin must see, such
 * as failed logins) and `error` are always written.
 */
export type Logger = {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
};

const secret = /token|password|authorization|cookie|secret/i;

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = secret.test(key) ? '[redacted]' : value;
  return out;
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line + '\n'), quiet = false): Logger {
  const emit = (level: string, event: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({ at: new Date().toISOString(), level, event, ...redact(fields) }));
  return {
    info: (event, fields) => {
      if (!quiet) emit('info', event, fields);
    },
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}
