import type { Logger as PinoLogger, LevelWithSilent } from 'pino';
import type { Logger, LogLevel } from '@mcp-switchboard/plugin-api';
import { REDACTED, processSecrets, type SecretRedactor } from './secrets.js';
import { logFileDestination, type LogDestination } from './log-file.js';
import { loadPino } from './load-pino.js';

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

type WriteLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** pino's number for each level: a line below the logger's is dropped before pino is even loaded. */
const LEVEL_VALUES: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** `make()` once, on first use. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * Adapts pino's `(fields, message)` calls to the plugin-api's `(message, fields)`; `bound` is every binding so far.
 * `target` makes the pino logger (and its children) on the first line at or above `threshold`.
 */
function adapt(target: () => PinoLogger, threshold: number, flush: () => void, bound: Readonly<Record<string, unknown>>): KernelLogger {
  const write = (level: WriteLevel) => {
    if (LEVEL_VALUES[level] < threshold) return () => undefined;
    return (message: string, fields?: Record<string, unknown>) => {
      if (fields) target()[level](withoutBound(bound, fields), message);
      else target()[level](message);
    };
  };
  return {
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => {
      const fresh = withoutBound(bound, bindings);
      const child = Object.keys(fresh).length ? once(() => target().child(fresh)) : target;
      return adapt(child, threshold, flush, { ...bound, ...fresh });
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
  // A log file is opened at once (a path that cannot be written fails the start); stderr needs nothing opened.
  let destination: LogDestination | undefined = options.file ? logFileDestination({ file: options.file, ...options.rotation }) : undefined;
  const secrets = options.secrets ?? processSecrets;
  const bindings = options.bindings ?? {};
  const root = once(() => {
    const pino = loadPino();
    const sink = (destination ??= pino.destination({ dest: 2, sync: true }));
    const scrubbed = { write: (line: string) => sink.write(secrets.redactJson(line)) };
    const base = pino(
      {
        level: options.level as LevelWithSilent,
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: { paths: [...redactedPaths], censor: REDACTED },
      },
      scrubbed,
    );
    return options.bindings ? base.child(bindings) : base;
  });
  return adapt(
    root,
    LEVEL_VALUES[options.level] ?? LEVEL_VALUES.info,
    () => {
      try {
        destination?.flushSync();
      } catch {
        // Nothing buffered (sync mode) or the stream is already closed: nothing to flush.
      }
    },
    { pid: process.pid, ...bindings },
  );
}
