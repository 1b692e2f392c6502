import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, paginate } from './pagination.js';

describe('pagination', () => {
  it('pages through every item with opaque cursors', () => {
    const items = [1, 2, 3, 4, 5];
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { page, nextCursor } = paginate(items, cursor, 2);
      seen.push(...page);
      cursor = nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(items);
    expect(pages).toBe(3);
  });

  it('rejects cursors it did not mint with -32602', () => {
    for (const bad of ['nope', '', 42, encodeCursor(1) + 'x', Buffer.from('-1').toString('base64url'), Buffer.from('01').toString('base64url')]) {
      expect(() => decodeCursor(bad), String(bad)).toThrow(expect.objectContaining({ code: -32602 }));
    }
    expect(decodeCursor(encodeCursor(17))).toBe(17);
  });

  it('returns an empty last page past the end', () => {
    expect(paginate([1, 2], encodeCursor(5), 2)).toEqual({ page: [] });
  });
});
