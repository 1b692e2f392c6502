import { describe, expect, it } from 'vitest';
import type { BenchTarget } from './bench-target.js';
import { runPhase, warmUp } from './measure-target.js';

/** A target answering on the next tick that records how many calls were in flight at once. */
function fakeTarget(failEvery = 0): BenchTarget & { calls: number; maxInFlight: number } {
  let inFlight = 0;
  const target = {
    label: 'fake',
    tool: 'echo',
    calls: 0,
    maxInFlight: 0,
    async call(): Promise<void> {
      const n = ++target.calls;
      target.maxInFlight = Math.max(target.maxInFlight, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      if (failEvery && n % failEvery === 0) throw new Error(`call ${n} failed`);
    },
    listTools: async () => 0,
    close: async () => 0,
  };
  return target;
}

describe('runPhase', () => {
  it('makes exactly the requested calls with at most `concurrency` in flight', async () => {
    const target = fakeTarget();
    const samples = await runPhase(target, 100, 8, 'x');
    expect(target.calls).toBe(100);
    expect(target.maxInFlight).toBe(8);
    expect(samples.latenciesMs).toHaveLength(100);
    expect(samples.errors).toBe(0);
  });

  it('is one call at a time with concurrency 1', async () => {
    const target = fakeTarget();
    await runPhase(target, 20, 1, 'x');
    expect(target.maxInFlight).toBe(1);
  });

  it('counts failures apart from latencies and keeps the first message', async () => {
    const samples = await runPhase(fakeTarget(10), 30, 3, 'x');
    expect(samples.errors).toBe(3);
    expect(samples.latenciesMs).toHaveLength(27);
    expect(samples.firstError).toBe('call 10 failed');
  });
});

describe('warmUp', () => {
  it('warms both ways and refuses a failing target', async () => {
    const target = fakeTarget();
    await warmUp(target, 10, 4, 'x');
    expect(target.calls).toBe(20);
    expect(target.maxInFlight).toBe(4);
    await expect(warmUp(fakeTarget(5), 10, 4, 'x')).rejects.toThrow(/fake: warm-up calls failed: call 5 failed/);
  });
});
