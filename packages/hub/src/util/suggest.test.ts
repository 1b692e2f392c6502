import { describe, expect, it } from 'vitest';
import { closestMatches, editDistance } from './suggest.js';

describe('closestMatches', () => {
  it('finds typos and shared substrings, at most 3, nothing unrelated', () => {
    const names = ['alpha__echo', 'beta__echo', 'alpha__add', 'gamma__echo_twice', 'alpha__completely_different'];
    const candidates = names.map((name) => ({ name, aliases: [name.split('__')[1]!] }));
    expect(closestMatches('alpha__ecoh', candidates)).toContain('alpha__echo');
    const echo = closestMatches('echo', candidates);
    expect(echo).toHaveLength(3);
    expect(echo).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo']));
    expect(closestMatches('zzzzzzzz', candidates)).toEqual([]);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
