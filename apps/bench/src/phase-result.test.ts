import { describe, expect, it } from 'vitest';
import { phaseResult } from './phase-result.js';

describe('phaseResult', () => {
  it('pools latencies, takes the median round for throughput and sums errors', () => {
    const result = phaseResult(
      [
        { latenciesMs: [1, 2], wallMs: 1000, errors: 0 },
        { latenciesMs: [3, 4, 5, 6], wallMs: 1000, errors: 1, firstError: 'boom' },
        { latenciesMs: [7, 8, 9], wallMs: 1000, errors: 0 },
      ],
      4,
      2,
    );
    expect(result.latency).toMatchObject({ count: 9, p50: 5, min: 1, max: 9 });
    expect(result.callsPerSecondByRound).toEqual([2, 4, 3]);
    expect(result.callsPerSecond).toBe(3);
    expect(result).toMatchObject({ rounds: 3, callsPerRound: 4, concurrency: 2, errors: 1, firstError: 'boom' });
  });
});
