import { describe, expect, it } from 'vitest';
import { parseSoakOptions } from './soak-options.js';

describe('parseSoakOptions', () => {
  it('defaults to 100,000 calls, a crash every 1,000, four callers and a 30 s deadline', () => {
    expect(parseSoakOptions([])).toEqual({
      calls: 100_000,
      crashEvery: 1000,
      concurrency: 4,
      deadlineMs: 30_000,
      warmupCalls: 5000,
      rssLimitMb: 50,
      sampleMs: 500,
      help: false,
    });
  });

  it('reads every flag; the warm-up defaults to a tenth of the calls', () => {
    expect(parseSoakOptions(['--calls', '2000', '--crash-every=300', '--concurrency', '3'])).toMatchObject({
      calls: 2000,
      crashEvery: 300,
      concurrency: 3,
      warmupCalls: 200,
    });
    expect(
      parseSoakOptions([
        '--calls',
        '10',
        '--warmup-calls',
        '0',
        '--deadline-ms',
        '500',
        '--rss-limit-mb',
        '5',
        '--sample-ms',
        '20',
        '--proxy-cli',
        'cli.js',
        '--json',
        'out.json',
      ]),
    ).toMatchObject({ warmupCalls: 0, deadlineMs: 500, rssLimitMb: 5, sampleMs: 20, proxyCli: 'cli.js', json: 'out.json' });
  });

  it('refuses what it cannot run instead of guessing', () => {
    expect(() => parseSoakOptions(['--calls', '0'])).toThrow(/--calls must be an integer >= 1/);
    expect(() => parseSoakOptions(['--crash-every', 'often'])).toThrow(/--crash-every/);
    expect(() => parseSoakOptions(['--calls', '100', '--warmup-calls', '100'])).toThrow(/--warmup-calls/);
    expect(() => parseSoakOptions(['--hours', '2'])).toThrow(/Unknown option/);
  });
});
