import { createRequire } from 'node:module';
import type { pino as Pino } from 'pino';

let loaded: typeof Pino | undefined;

/**
 * pino, loaded the first time a line is written or a log file is opened. It is CommonJS, so a synchronous
 * `require` gives it to a logger call at once; a quiet run (`--log-level warn` over stdio, nothing to warn about)
 * never loads it and its ~30 modules (thread-stream, sonic-boom, serializers).
 */
export function loadPino(): typeof Pino {
  return (loaded ??= (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino);
}
