import { describe, expect, it } from 'vitest';
import { StderrLimiter } from './stderr-limiter.js';

describe('StderrLimiter', () => {
  it('lets a burst through, then the rate; counts what it drops', () => {
    let now = 0;
    const limiter = new StderrLimiter({ burstLines: 3, linesPerSecond: 2, burstBytes: 1e6, bytesPerSecond: 1e6 }, () => now);
    const verdicts = Array.from({ length: 5 }, (_, i) => limiter.admit(`line ${i}`).kind);
    expect(verdicts).toEqual(['log', 'log', 'log', 'drop', 'drop']);
    now += 1000; // two more lines' worth
    expect([limiter.admit('a').kind, limiter.admit('b').kind, limiter.admit('c').kind]).toEqual(['log', 'log', 'drop']);
    expect(limiter.takeDropped()).toEqual({ lines: 3, bytes: 'line 3'.length + 'line 4'.length + 1, truncated: 0, sinceMs: 0 });
    expect(limiter.takeDropped()).toBeUndefined();
  });

  it('caps bytes as well as lines', () => {
    const limiter = new StderrLimiter({ burstBytes: 10, bytesPerSecond: 0 }, () => 0);
    expect(limiter.admit('12345678').kind).toBe('log');
    expect(limiter.admit('12345678').kind).toBe('drop');
  });

  it('cuts long lines and says how much was cut', () => {
    const limiter = new StderrLimiter({ maxLineLength: 5 }, () => 0);
    expect(limiter.admit('0123456789', 100)).toEqual({ kind: 'log', text: '01234… (105 more characters dropped)' });
    expect(limiter.takeDropped()).toMatchObject({ lines: 0, truncated: 1, bytes: 105 });
  });
});
