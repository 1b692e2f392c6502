import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corkForTick } from './cork-for-tick.js';

/** A stream that records each write call it receives from Node (one entry per write or writev). */
function recorder() {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, calls };
}

describe('corkForTick', () => {
  it('sends the messages written in one tick as one writev, and resolves once they were handed on', async () => {
    const { stream, calls } = recorder();
    const first = corkForTick(stream);
    stream.write('a\n');
    const second = corkForTick(stream);
    stream.write('b\n');
    expect(second).toBe(first);
    expect(calls).toEqual([]);
    await first;
    expect(calls).toEqual([['a\n', 'b\n']]);
    expect(stream.writableCorked).toBe(0);

    // The next tick's message goes on its own.
    const third = corkForTick(stream);
    stream.write('c\n');
    await third;
    expect(calls).toEqual([['a\n', 'b\n'], ['c\n']]);
  });
});
