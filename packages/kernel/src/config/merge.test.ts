import { describe, expect, it } from 'vitest';
import { deepMerge } from './merge.js';

describe('deepMerge', () => {
  it('merges objects deeply; arrays and scalars are replaced; undefined keeps the base', () => {
    const base = { a: { x: 1, y: [1, 2] }, b: 'keep', c: 1 };
    expect(deepMerge(base, { a: { y: [3] }, c: undefined, d: true })).toEqual({ a: { x: 1, y: [3] }, b: 'keep', c: 1, d: true });
    expect(base).toEqual({ a: { x: 1, y: [1, 2] }, b: 'keep', c: 1 }); // not mutated
  });

  it('an empty override leaves a non-object base as it is, for validation to report', () => {
    expect(deepMerge(['not', 'an', 'object'], {})).toEqual(['not', 'an', 'object']);
    expect(deepMerge('text', { port: undefined })).toBe('text');
  });
});
