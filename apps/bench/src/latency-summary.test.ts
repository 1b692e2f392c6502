import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from './latency-summary.js';

describe('percentile', () => {
  it('uses the nearest rank, so it returns an observed value', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 0)).toBe(1);
  });

  it('is NaN for no samples', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarizeLatencies', () => {
  it('sorts before ranking', () => {
    expect(summarizeLatencies([3, 1, 2, 4])).toEqual({ count: 4, p50: 2, p99: 4, mean: 2.5, min: 1, max: 4 });
  });
});
