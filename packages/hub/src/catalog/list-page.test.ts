import { describe, expect, it } from 'vitest';
import type { Listing } from '../pagination.js';
import { SERIALIZED_RESULT, listPage } from './list-page.js';

function tools(count: number): Listing<{ name: string }> {
  const items = Array.from({ length: count }, (_, i) => ({ name: `a__t${i}` }));
  return { kind: 'tools', items, keys: items.map((t) => t.name), servers: items.map(() => 'a') };
}

const serializerOf = (result: object) => (result as Record<symbol, (candidate: unknown) => string | undefined>)[SERIALIZED_RESULT]!;

describe('listPage', () => {
  it('pages as paginate does, and each result carries exactly its own JSON (which JSON.stringify does not show)', () => {
    const listing = tools(5);
    const first = listPage(listing, undefined, 2);
    expect(Object.keys(first)).toEqual(['tools', 'nextCursor']);
    expect(first.tools).toEqual([{ name: 'a__t0' }, { name: 'a__t1' }]);
    expect(serializerOf(first)(first)).toBe(JSON.stringify(first));
    expect(JSON.stringify(first)).not.toContain('serialized');
    const last = listPage(listing, listPage(listing, first.nextCursor, 2).nextCursor, 2);
    expect(last).toEqual({ tools: [{ name: 'a__t4' }] });
    expect(serializerOf(last)(last)).toBe('{"tools":[{"name":"a__t4"}]}');
  });

  it('cuts a page of a listing once: the same frozen items array every time', () => {
    const listing = tools(3);
    const one = listPage(listing, undefined, 2);
    const two = listPage(listing, undefined, 2);
    expect(two).not.toBe(one);
    expect(two.tools).toBe(one.tools);
    expect(Object.isFrozen(one.tools)).toBe(true);
    // Another listing (a new snapshot) with equal items is cut anew.
    expect(listPage(tools(3), undefined, 2).tools).not.toBe(one.tools);
  });

  it('gives no text for a copy or for a result changed after it was made', () => {
    const listing = tools(3);
    const stamped = listPage(listing, undefined, 2);
    stamped._meta = { stamp: 1 };
    expect(serializerOf(stamped)(stamped)).toBeUndefined();

    const replaced = listPage(listing, undefined, 2);
    replaced.tools = [];
    expect(serializerOf(replaced)(replaced)).toBeUndefined();

    const removed = listPage(listing, undefined, 2);
    delete removed.nextCursor;
    expect(serializerOf(removed)(removed)).toBeUndefined();

    const original = listPage(listing, undefined, 2);
    const copy = { ...original, _meta: { stamp: 1 } };
    expect((copy as Record<symbol, unknown>)[SERIALIZED_RESULT]).toBeUndefined();
    expect(serializerOf(original)(copy)).toBeUndefined();
    expect(serializerOf(original)(original)).toBe(JSON.stringify(original));
  });

  it('refuses a cursor it did not mint, as paginate does', () => {
    expect(() => listPage(tools(3), 'bogus!', 2)).toThrow(/Invalid cursor/);
  });
});
