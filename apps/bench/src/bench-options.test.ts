import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from './bench-options.js';

describe('parseBenchOptions', () => {
  it('defaults to the documented protocol on both targets', () => {
    expect(parseBenchOptions([])).toEqual({
      calls: 2000,
      concurrentCalls: 5000,
      concurrency: 32,
      warmup: 200,
      rounds: 3,
      payloadBytes: 256,
      httpCalls: 1000,
      startups: 15,
      lists: 15,
      targets: ['direct', 'relay', 'messages', 'proxy'],
      rows: ['echo', 'http', 'startup', 'rss', 'list', 'replicas'],
      peers: false,
      quick: false,
      help: false,
    });
  });

  it('reads every flag', () => {
    const options = parseBenchOptions([
      '--calls',
      '10',
      '--concurrent-calls=20',
      '--concurrency',
      '4',
      '--warmup',
      '0',
      '--rounds',
      '1',
      '--payload-bytes',
      '0',
      '--only',
      'direct',
      '--json',
      'out.json',
      '--proxy-cli',
      'cli.js',
    ]);
    expect(options).toMatchObject({
      calls: 10,
      concurrentCalls: 20,
      concurrency: 4,
      warmup: 0,
      rounds: 1,
      payloadBytes: 0,
      targets: ['direct'],
      rows: ['echo'],
      json: 'out.json',
      proxyCli: 'cli.js',
    });
  });

  it('runs the chosen rows, and shrinks every count in quick mode unless a flag sets it', () => {
    expect(parseBenchOptions(['--rows', 'startup, rss', '--peers'])).toMatchObject({ rows: ['startup', 'rss'], peers: true });
    expect(parseBenchOptions(['--quick', '--calls', '7'])).toMatchObject({ quick: true, calls: 7, concurrentCalls: 320, rounds: 1, startups: 1, lists: 1 });
  });

  it('refuses what it cannot measure instead of guessing', () => {
    expect(() => parseBenchOptions(['--calls', '0'])).toThrow(/--calls must be an integer >= 1/);
    expect(() => parseBenchOptions(['--concurrency', '2.5'])).toThrow(/--concurrency/);
    expect(() => parseBenchOptions(['--only', 'both'])).toThrow(/--only must be/);
    expect(() => parseBenchOptions(['--soak'])).toThrow(/Unknown option/);
    expect(() => parseBenchOptions(['--rows', 'echo,speed'])).toThrow(/--rows takes echo, http, startup, rss, list, replicas; got "speed"/);
  });
});
