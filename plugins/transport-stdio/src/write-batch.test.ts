import { describe, expect, it } from 'vitest';
import { writeRecorder } from '../test/write-recorder.js';
import { batchWrites, hasLineAfter, writeChunk } from './write-batch.js';

describe('batchWrites', () => {
  it('sends the messages written while a batch is read as one writev per stream, at its end', () => {
    const a = writeRecorder();
    const b = writeRecorder();
    batchWrites(() => {
      writeChunk(a.stream, 'a1\n');
      writeChunk(b.stream, 'b1\n');
      writeChunk(a.stream, 'a2\n');
      expect(a.calls).toEqual([]);
      expect(b.calls).toEqual([]);
    });
    expect(a.calls).toEqual([['a1\n', 'a2\n']]);
    expect(b.calls).toEqual([['b1\n']]);
    expect(a.stream.writableCorked).toBe(0);
  });

  it('writes at once outside a batch, and uncorks even when the batch throws', () => {
    const a = writeRecorder();
    writeChunk(a.stream, 'now\n');
    expect(a.calls).toEqual([['now\n']]);
    expect(() =>
      batchWrites(() => {
        writeChunk(a.stream, 'x\n');
        batchWrites(() => writeChunk(a.stream, 'y\n'));
        expect(a.calls).toHaveLength(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(a.calls).toEqual([['now\n'], ['x\n', 'y\n']]);
    expect(a.stream.writableCorked).toBe(0);
  });

  it('tells a chunk of several lines from one of a single line', () => {
    const one = Buffer.from('{"a":1}\n');
    const two = Buffer.from('{"a":1}\n{"b":2}\n');
    expect(hasLineAfter(one, one.indexOf(0x0a))).toBe(false);
    expect(hasLineAfter(two, two.indexOf(0x0a))).toBe(true);
    expect(hasLineAfter(one, -1)).toBe(false);
  });
});
