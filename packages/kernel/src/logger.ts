import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import type { Logger, LogLevel } from '@mcp-switchboard/plugin-api';
import { REDACTED, processSecrets, type SecretRedactor } from './secrets.js';
import { logFileDestination, type LogDestination } from './log-file.js';

export interface CreateLoggerOptions {
  level: LogLevel;
  /**
   * Write to this file instead of stderr. Its folder is created when missing; it is rotated by size (see
   * `logFileDestination`) and opened again when deleted.
   */
  file?: string | undefined;
  /** Rotation of `file`: its largest size and how many rotated files are kept (defaults: 10 MiB, 3). */
  rotation?: { maxBytes?: number | undefined; keep?: number | undefined } | undefined;
  /** Fields added to every line. */
  bindings?: Record<string, unknown>;
  /**
   * The secret values scrubbed from every line (message, fields and bindings). Default: the process-wide
   * redactor the kernel fills from the loaded config.
   */
  secrets?: SecretRedactor | undefined;
}

/** A plugin-api Logger that can be flushed before the process exits. */
export type KernelLogger = Logger & { flush(): void };

/**
 * Fields redacted by name whatever their value, at any of the first levels: env and headers maps of a server,
 * keys and tokens, an Authorization header.
 */
export const redactedPaths: readonly string[] = [
  'env.*',
  '*.env.*',
  '*.*.env.*',
  'headers.*',
  '*.headers.*',
  '*.*.headers.*',
  'apiKey',
  '*.apiKey',
  'authToken',
  '*.authToken',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'Authorization',
  '*.Authorization',
];

/**
 * Fields that would repeat a key already bound to the logger. pino writes bindings and fields side by side, so a
 * repeated key appears twice in one JSON line (`"server":"a","server":"a"`) and a last-wins parser loses one.
 * The same value is dropped; a different value is kept as `<key>_2`.
 */
function withoutBound(bound: Readonly<Record<string, unknown>>, fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (!Object.hasOwn(bound, key)) continue;
    out ??= { ...fields };
    delete out[key];
    if (bound[key] !== value) out[`${key}_2`] = value;
  }
  return out ?? fields;
}

/** Adapts pino's `(fields, message)` calls to the plugin-api's `(message, fields)`; `bound` is every binding so far. */
function adapt(target: PinoLogger, flush: () => void, bound: Readonly<Record<string, unknown>>): KernelLogger {
  const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (fields) target[level](withoutBound(bound, fields), message);
    else target[level](message);
  };
  return {
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => {
      const fresh = withoutBound(bound, bindings);
      return adapt(Object.keys(fresh).length ? target.child(fresh) : target, flush, { ...bound, ...fresh });
    },
    flush,
  };
}

/**
 * Creates the process logger. Lines go to stderr (fd 2) or a file, never stdout: in stdio mode stdout carries
 * the MCP protocol. The destination is synchronous so the last lines before an exit are not lost.
 *
 * Secrets never reach the destination: known field names are censored by pino's `redact`, and every line is
 * scrubbed of the secret values the redactor knows (whatever field or message they hide in) just before it is
 * written.
 */
export function createLogger(options: CreateLoggerOptions): KernelLogger {
  const destination: LogDestination = options.file
    ? logFileDestination({ file: options.file, ...options.rotation })
    : pino.destination({ dest: 2, sync: true });
  const secrets = options.secrets ?? processSecrets;
  const scrubbed = { write: (line: string) => destination.write(secrets.redactJson(line)) };
  const base = pino(
    {
      level: options.level as LevelWithSilent,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...redactedPaths], censor: REDACTED },
    },
    scrubbed,
  );
  const bindings = options.bindings ?? {};
  const target = options.bindings ? base.child(bindings) : base;
  return adapt(
    target,
    () => {
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered (sync mode) or the stream is already closed: nothing to flush.
      }
    },
    { pid: process.pid, ...bindings },
  );
}
