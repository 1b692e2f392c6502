import { pageAt, pageStart, type Listing } from '../pagination.js';
import type { LooseResult } from '../util/schemas.js';

/**
 * Where a list result carries its own JSON text, for a front door to write instead of serializing the result again:
 * a function that takes the result and returns the text, or undefined when the object is not the one the text was
 * made for (a copy, or changed since: a key added, removed or replaced). `Symbol.for`, so a front door needs no
 * import from the hub (plugins/transport-stdio/src/serialized-message.ts reads it); `JSON.stringify` skips it.
 */
export const SERIALIZED_RESULT = Symbol.for('io.mcp-switchboard/serialized-result');

/**
 * Takes a result's own text away (a server's answer read by the stdio transport carries it): done before a plugin
 * may change the result in place, which the text's own check (the same object, the same top-level keys) cannot see.
 */
export function dropSerializedText(result: object): void {
  Reflect.deleteProperty(result, SERIALIZED_RESULT);
}

/** One page of one listing, as given out: the same (frozen) items array every time, its JSON made once. */
interface CachedPage {
  readonly page: readonly unknown[];
  readonly nextCursor: string | undefined;
  json: string | undefined;
}

/** By listing items (one immutable array per catalog snapshot, so a new snapshot starts empty), then by page. */
const cache = new WeakMap<readonly unknown[], Map<string, CachedPage>>();

function cachedPage<T>(listing: Listing<T>, start: number, pageSize: number): CachedPage {
  let pages = cache.get(listing.items);
  if (!pages) cache.set(listing.items, (pages = new Map()));
  const key = `${start}/${pageSize}`;
  let cached = pages.get(key);
  if (!cached) {
    const { page, nextCursor } = pageAt(listing, start, pageSize);
    cached = { page: Object.freeze(page), nextCursor, json: undefined };
    pages.set(key, cached);
  }
  return cached;
}

/**
 * The result of a list request: one page under the list's own key (`tools`, `prompts`, ...) and `nextCursor` when
 * more follow. A list asked again from the same snapshot (a client paging through 5,000 tools, or listing on every
 * list_changed) is cut and serialized once: the result carries its JSON (see SERIALIZED_RESULT).
 */
export function listPage<T>(listing: Listing<T>, cursor: unknown, pageSize: number): LooseResult {
  const cached = cachedPage(listing, pageStart(listing, cursor), pageSize);
  const result: LooseResult =
    cached.nextCursor === undefined ? { [listing.kind]: cached.page } : { [listing.kind]: cached.page, nextCursor: cached.nextCursor };
  const keys = Object.keys(result);
  const unchanged = (candidate: unknown): boolean => {
    if (candidate !== result) return false;
    const now = Object.keys(result);
    return (
      now.length === keys.length && result[listing.kind] === cached.page && result.nextCursor === cached.nextCursor && now.every((key, i) => key === keys[i])
    );
  };
  Object.defineProperty(result, SERIALIZED_RESULT, {
    value: (candidate: unknown): string | undefined => (unchanged(candidate) ? (cached.json ??= JSON.stringify(result)) : undefined),
  });
  return result;
}
