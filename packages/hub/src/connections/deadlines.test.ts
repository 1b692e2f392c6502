import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, type Deadline } from './deadlines.js';

/** Puts a deadline at `at` that runs `expire`, and returns it. */
function add(deadlines: Deadlines, at: number, expire: () => void): Deadline {
  const deadline: Deadline = { at, expire };
  deadlines.put(deadline);
  return deadline;
}

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires each deadline at its time, not before, on one timer; a deleted or moved one as it now says', () => {
    const deadlines = new Deadlines();
    const fired: string[] = [];
    const start = Date.now();
    const a = add(deadlines, start + 100, () => fired.push('a'));
    add(deadlines, start + 300, () => fired.push('b'));
    const c = add(deadlines, start + 50, () => fired.push('c'));
    add(deadlines, start + 200, () => fired.push('d'));
    expect(vi.getTimerCount()).toBe(1);
    deadlines.delete(c); // ended before its time: never fires
    deadlines.move(a, start + 250); // progress: later
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(101); // t = 200
    expect(fired).toEqual(['d']);
    vi.advanceTimersByTime(49);
    expect(fired).toEqual(['d']);
    vi.advanceTimersByTime(1); // t = 250
    expect(fired).toEqual(['d', 'a']);
    vi.advanceTimersByTime(50); // t = 300
    expect(fired).toEqual(['d', 'a', 'b']);
    expect(deadlines.size).toBe(0);
  });

  it('moves the timer earlier for a deadline that comes first, and does nothing when the calls ended', () => {
    const deadlines = new Deadlines();
    const fired: number[] = [];
    const start = Date.now();
    const late = add(deadlines, start + 60_000, () => fired.push(60_000));
    add(deadlines, start + 10, () => fired.push(10));
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([10]);
    deadlines.delete(late);
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual([10]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('calls one after the other arm the timer once (no timer per call)', () => {
    const deadlines = new Deadlines();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(1);
      deadlines.delete(add(deadlines, Date.now() + 60_000, () => undefined));
    }
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});
