import { describe, expect, it } from 'vitest';
import { compare, describeTarget, median } from './comparison.js';

describe('compare', () => {
  const proxy = (value: number) => ({ label: 'proxy', value });
  const relay = { label: 'relay', value: 100 };

  it('divides the subject by the reference and checks the target on the ratio', () => {
    expect(compare('a', 'latency', 'ms', proxy(115), relay, { on: 'ratio', op: '<=', bound: 1.15 })).toMatchObject({ ratio: 1.15, met: true });
    expect(compare('a', 'latency', 'ms', proxy(116), relay, { on: 'ratio', op: '<=', bound: 1.15 })).toMatchObject({ met: false });
    expect(compare('b', 'throughput', 'calls/s', proxy(79), relay, { on: 'ratio', op: '>=', bound: 0.8 })).toMatchObject({ met: false });
  });

  it('checks an absolute target on the subject itself, and leaves `met` out without a target', () => {
    expect(compare('c', 'rss', 'MiB', proxy(81), { label: 'sdk', value: 40 }, { on: 'value', op: '<=', bound: 80 })).toMatchObject({
      ratio: 2.025,
      met: false,
    });
    expect(compare('d', 'help', 'ms', proxy(1), relay)).not.toHaveProperty('met');
  });

  it('describes targets and takes medians', () => {
    expect(describeTarget({ on: 'ratio', op: '>=', bound: 0.8 }, 'calls/s')).toBe('≥ 0.8×');
    expect(describeTarget({ on: 'value', op: '<=', bound: 80 }, 'MiB')).toBe('≤ 80 MiB');
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
