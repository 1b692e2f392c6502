import { describe, expect, it } from 'vitest';
import { shortHash, stableJson } from './stable-json.js';

describe('stableJson', () => {
  it('ignores key order and undefined values, at every level', () => {
    expect(stableJson({ b: 1, a: { d: [1, { y: 2, x: undefined, w: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"w":3,"y":2}]},"b":1}');
    expect(stableJson({ a: 1, b: 2 })).toBe(stableJson({ b: 2, a: 1 }));
    expect(stableJson(undefined)).toBe('null');
  });
});

describe('shortHash', () => {
  it('is the leading hex digits of sha256, of a text or of parts joined by NUL', () => {
    // sha256("abc") = ba7816bf...
    expect(shortHash('abc')).toBe('ba7816bf');
    expect(shortHash('abc', 4)).toBe('ba78');
    expect(shortHash(['abc'])).toBe(shortHash('abc'));
    expect(shortHash(['a', 'bc'], 12)).not.toBe(shortHash(['ab', 'c'], 12));
    expect(shortHash(['a', 'bc'], 6)).toBe(shortHash('a\u0000bc', 6));
  });
});
