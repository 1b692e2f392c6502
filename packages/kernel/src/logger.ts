import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import type { Logger, LogLevel } from '@mcp-switchboard/plugin-api';

export interface CreateLoggerOptions {
  level: LogLevel;
  /** Write to this file instead of stderr. Its folder is created when missing. */
  file?: string | undefined;
  /** Fields added to every line. */
  bindings?: Record<string, unknown>;
}

/** A plugin-api Logger that can be flushed before the process exits. */
export type KernelLogger = Logger & { flush(): void };

/** Adapts pino's `(fields, message)` calls to the plugin-api's `(message, fields)`. */
function adapt(target: PinoLogger, flush: () => void): KernelLogger {
  const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (fields) target[level](fields, message);
    else target[level](message);
  };
  return {
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => adapt(target.child(bindings), flush),
    flush,
  };
}

/**
 * Creates the process logger. Lines go to stderr (fd 2) or a file, never stdout: in stdio mode stdout carries
 * the MCP protocol. The destination is synchronous so the last lines before an exit are not lost.
 */
export function createLogger(options: CreateLoggerOptions): KernelLogger {
  const destination = pino.destination({ dest: options.file ?? 2, sync: true, ...(options.file ? { mkdir: true } : {}) });
  const base = pino(
    {
      level: options.level as LevelWithSilent,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
  const target = options.bindings ? base.child(options.bindings) : base;
  return adapt(target, () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing buffered (sync mode) or the stream is already closed: nothing to flush.
    }
  });
}
