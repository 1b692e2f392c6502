import type { Writable } from 'node:stream';

const waiting = new WeakMap<Writable, Promise<void>>();

/**
 * Resolves when `stream` emits 'drain', and rejects when it errors or closes first. Every writer waiting on the
 * same stream shares one promise (and one set of listeners), so many concurrent sends never pile up listeners.
 */
export function waitForDrain(stream: Writable): Promise<void> {
  const existing = waiting.get(stream);
  if (existing) return existing;
  if (stream.destroyed || stream.writableFinished) return Promise.reject(new Error('stream closed before it drained'));
  const promise = new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      waiting.delete(stream);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('stream closed before it drained'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
  waiting.set(stream, promise);
  return promise;
}
