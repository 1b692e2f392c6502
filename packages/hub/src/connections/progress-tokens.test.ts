import { describe, expect, it } from 'vitest';
import { ProgressTokens } from './request-forwarder.js';

describe('ProgressTokens', () => {
  it('gives each request its own token, counting in base 36 (not decimal text: see open)', () => {
    const tokens = new ProgressTokens(() => undefined);
    const made = Array.from({ length: 40 }, () => tokens.open({ onProgress: () => undefined }));
    expect(new Set(made).size).toBe(40);
    const prefix = made[0]!.slice(0, -1);
    expect(made[0]).toBe(`${prefix}1`);
    expect(made[9]).toBe(`${prefix}a`);
    expect(made[35]).toBe(`${prefix}10`);
    expect(new ProgressTokens(() => undefined).open({ onProgress: () => undefined })).not.toBe(made[0]);
  });

  it("delivers a server's progress to the request's listener without the token, and nothing once closed", () => {
    const tokens = new ProgressTokens(() => undefined);
    const seen: Array<[string, Record<string, unknown>]> = [];
    const first = tokens.open({ onProgress: (p) => seen.push(['first', p]) });
    const second = tokens.open({ onProgress: (p) => seen.push(['second', p]) });
    expect(tokens.deliver({ progressToken: second, progress: 1, total: 2 })).toBe(true);
    tokens.close(second);
    expect(tokens.deliver({ progressToken: second, progress: 2, total: 2 })).toBe(true);
    expect(tokens.deliver({ progressToken: first, progress: 5 })).toBe(true);
    expect(tokens.deliver({ progressToken: 'someone-else', progress: 1 })).toBe(false);
    expect(tokens.deliver({ progressToken: 7, progress: 1 })).toBe(false);
    expect(seen).toEqual([
      ['second', { progress: 1, total: 2 }],
      ['first', { progress: 5 }],
    ]);
  });
});
