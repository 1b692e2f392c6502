import type { Writable } from 'node:stream';

/** The streams corked by the batch being read (undefined outside one). */
let corked: Writable[] | undefined;

/** A promise already settled, for every write that was handed on at once (no promise made per message). */
export const WRITTEN: Promise<void> = Promise.resolve();

/**
 * Runs `read`, the handling of one chunk of input that carries several messages, with the writes it makes held back
 * and sent at its end: one writev per stream instead of one write per message (under load, most of a message's
 * cost). A lone message is written at once, without being held. Nested calls join the outer batch.
 */
export function batchWrites(read: () => void): void {
  if (corked) return read();
  const streams: Writable[] = [];
  corked = streams;
  try {
    read();
  } finally {
    corked = undefined;
    for (const stream of streams) stream.uncork();
  }
}

/**
 * Writes a chunk with `write` (the stream's own write unless given), corking the stream first inside a batch.
 * Returns what the write returned: false when the stream's buffer is full (wait for 'drain').
 */
export function writeChunk(stream: Writable, chunk: string, write: (chunk: string) => boolean = (text) => stream.write(text)): boolean {
  if (corked && !corked.includes(stream)) {
    stream.cork();
    corked.push(stream);
  }
  return write(chunk);
}

/** True when `chunk` holds a newline after `from`: a second message, so its writes are worth batching. */
export function hasLineAfter(chunk: Buffer, from: number): boolean {
  return from >= 0 && chunk.indexOf(0x0a, from + 1) !== -1;
}
