import type { Writable } from 'node:stream';

const flushes = new WeakMap<Writable, Promise<void>>();

/**
 * Holds a stream's writes until the end of the current tick, so the messages written in one tick (the answers a
 * burst of input produced) leave in one `writev` instead of one write each: under load that is most of the cost of
 * a message. Resolves once they have been handed on (uncorked), so a caller that awaits it knows its message left
 * as before; a lone message waits only for the end of the tick it was written in.
 */
export function corkForTick(stream: Writable): Promise<void> {
  const pending = flushes.get(stream);
  if (pending) return pending;
  stream.cork();
  const flushed = new Promise<void>((resolve) =>
    process.nextTick(() => {
      flushes.delete(stream);
      stream.uncork();
      resolve();
    }),
  );
  flushes.set(stream, flushed);
  return flushed;
}
