import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, paginate, type Listing } from './pagination.js';

/** A tools listing of `server/name` items (grouped by server in id order, as the catalog keeps them). */
function tools(...items: string[]): Listing<string> {
  return { kind: 'tools', items, keys: items, servers: items.map((i) => i.split('/')[0]!) };
}

function pageAll(listing: () => Listing<string>, pageSize: number, between: (pageNumber: number) => void = () => {}): string[] {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const { page, nextCursor } = paginate(listing(), cursor, pageSize);
    seen.push(...page);
    cursor = nextCursor;
    between(++pages);
  } while (cursor);
  return seen;
}

describe('pagination', () => {
  it('pages through every item with opaque cursors', () => {
    const list = tools('a/1', 'a/2', 'b/1', 'b/2', 'c/1');
    let pages = 0;
    expect(
      pageAll(
        () => list,
        2,
        () => void (pages += 1),
      ),
    ).toEqual(list.items);
    expect(pages).toBe(3);
  });

  it('resumes after the last item given out when items before it came or went', () => {
    let list = tools('a/1', 'a/2', 'b/1', 'b/2', 'c/1', 'c/2');
    const removed = pageAll(
      () => list,
      2,
      (n) => {
        if (n === 1) list = tools('a/2', 'b/1', 'b/2', 'c/1', 'c/2'); // a/1, given out, is gone
      },
    );
    expect(removed).toEqual(['a/1', 'a/2', 'b/1', 'b/2', 'c/1', 'c/2']);
    list = tools('a/1', 'a/2', 'b/1', 'b/2');
    const added = pageAll(
      () => list,
      2,
      (n) => {
        if (n === 1) list = tools('a/0', 'a/1', 'a/2', 'b/1', 'b/2'); // came before the cursor
      },
    );
    expect(added).toEqual(['a/1', 'a/2', 'b/1', 'b/2']);
  });

  it('resumes at the first item of its server when the last item given out is gone, missing nothing', () => {
    let list = tools('a/1', 'b/1', 'b/2', 'b/3', 'c/1');
    const seen = pageAll(
      () => list,
      2,
      (n) => {
        if (n === 1) list = tools('a/1', 'b/2', 'b/3', 'c/1'); // b/1 was the last given out
      },
    );
    expect(seen).toEqual(['a/1', 'b/1', 'b/2', 'b/3', 'c/1']);
    // Its whole server gone: the next server's first item.
    list = tools('a/1', 'b/1', 'c/1', 'c/2');
    const next = pageAll(
      () => list,
      2,
      (n) => {
        if (n === 1) list = tools('a/1', 'c/1', 'c/2');
      },
    );
    expect(next).toEqual(['a/1', 'b/1', 'c/1', 'c/2']);
  });

  it('rejects cursors it did not mint, and cursors of another list, with -32602', () => {
    const good = encodeCursor({ kind: 'tools', offset: 1, server: 'a', key: 'a__x' });
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      'nope',
      '',
      42,
      `${good}!`,
      Buffer.from('1').toString('base64url'),
      forged([1, 'tools', 0, 'a', 'k']),
      forged([1, 'tools', 1.5, 'a', 'k']),
      forged([2, 'tools', 1, 'a', 'k']),
      forged([1, 'things', 1, 'a', 'k']),
      forged([1, 'tools', 1, 'a']),
      'x'.repeat(20_000),
    ]) {
      expect(() => decodeCursor(bad, 'tools'), String(bad).slice(0, 40)).toThrow(expect.objectContaining({ code: -32602 }));
    }
    expect(decodeCursor(good, 'tools')).toEqual({ kind: 'tools', offset: 1, server: 'a', key: 'a__x' });
    expect(() => decodeCursor(good, 'prompts')).toThrow(expect.objectContaining({ code: -32602, message: expect.stringContaining('tools/list') }));
  });

  it('returns an empty last page past the end', () => {
    expect(paginate(tools('a/1', 'a/2'), encodeCursor({ kind: 'tools', offset: 5, server: 'z', key: 'z/9' }), 2)).toEqual({ page: [] });
  });
});
