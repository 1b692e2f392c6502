import { ErrorCode, RpcError } from './util/rpc-error.js';

/** The lists clients page through. A cursor of one is refused by another. */
export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/**
 * A list as pages are cut from it: each item has a key unique in the list (exposed name, URI, URI template) and a
 * server; items are grouped by server, servers in id order (the catalog's order).
 */
export interface Listing<T> {
  readonly kind: ListKind;
  readonly items: readonly T[];
  readonly keys: readonly string[];
  readonly servers: readonly string[];
}

/** Where the next page starts: after the item `key` (of `server`), which was at `offset - 1` when the cursor was made. */
export interface CursorPosition {
  kind: ListKind;
  offset: number;
  server: string;
  key: string;
}

const FORMAT = 1;
const MAX_CURSOR_LENGTH = 16_384;
const KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

/** Our opaque cursor: base64url of `[format, kind, offset, server, key]`. */
export function encodeCursor(position: CursorPosition): string {
  const encode = (key: string) => Buffer.from(JSON.stringify([FORMAT, position.kind, position.offset, position.server, key]), 'utf8').toString('base64url');
  const cursor = encode(position.key);
  // A key too long to carry (a huge URI) is left out: resuming then falls back to its server's first item.
  return cursor.length <= MAX_CURSOR_LENGTH ? cursor : encode('');
}

/** The position a cursor stands for; throws -32602 for anything we did not mint, or a cursor of another list. */
export function decodeCursor(cursor: unknown, kind: ListKind): CursorPosition {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalidCursor(cursor);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor(cursor);
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) throw invalidCursor(cursor);
  const [format, listKind, offset, server, key] = parsed as unknown[];
  if (
    format !== FORMAT ||
    !KINDS.includes(listKind as ListKind) ||
    typeof offset !== 'number' ||
    !Number.isSafeInteger(offset) ||
    offset < 1 ||
    typeof server !== 'string' ||
    typeof key !== 'string'
  ) {
    throw invalidCursor(cursor);
  }
  if (listKind !== kind) throw invalidCursor(cursor, `it belongs to ${listKind}/list, not ${kind === 'resourceTemplates' ? 'resources/templates' : kind}/list`);
  return { kind, offset, server, key };
}

function invalidCursor(cursor: unknown, why?: string): RpcError {
  const shown = typeof cursor === 'string' && cursor.length > 80 ? `${JSON.stringify(cursor.slice(0, 80))}…` : JSON.stringify(cursor);
  return new RpcError(
    ErrorCode.InvalidParams,
    `Invalid cursor ${shown}${why ? ` (${why})` : ''}: pass a nextCursor from a previous list result, or none for the first page`,
  );
}

const indexes = new WeakMap<readonly string[], Map<string, number>>();

function indexOfKey(keys: readonly string[], key: string): number {
  let index = indexes.get(keys);
  if (!index) indexes.set(keys, (index = new Map(keys.map((k, i) => [k, i]))));
  return index.get(key) ?? -1;
}

/**
 * Where a page resumes in the list as it is now. Unchanged around the cursor: at its offset. Changed: right after
 * the last item given out, found by its key, so items that came or went before it shift nothing (no duplicates,
 * none missed). If that item itself is gone: at the first item of its server (or of the next server), so nothing
 * listed throughout is missed (some of that server's items may come twice).
 */
function resume<T>(listing: Listing<T>, position: CursorPosition): number {
  const { keys, servers } = listing;
  if (position.offset <= keys.length && keys[position.offset - 1] === position.key) return position.offset;
  const index = position.key === '' ? -1 : indexOfKey(keys, position.key);
  if (index >= 0) return index + 1;
  for (let i = 0; i < servers.length; i++) if (servers[i]! >= position.server) return i;
  return keys.length;
}

/** Where the page for `cursor` starts (undefined or null: the first page); throws -32602 for a cursor we did not mint. */
export function pageStart<T>(listing: Listing<T>, cursor: unknown): number {
  return cursor === undefined || cursor === null ? 0 : resume(listing, decodeCursor(cursor, listing.kind));
}

/** The page of a listing that starts at `start`, with the cursor of the next page if any. */
export function pageAt<T>(listing: Listing<T>, start: number, pageSize: number): { page: T[]; nextCursor?: string } {
  const end = start + Math.max(1, pageSize);
  const page = listing.items.slice(start, end);
  if (end >= listing.items.length) return { page };
  const last = end - 1;
  return { page, nextCursor: encodeCursor({ kind: listing.kind, offset: end, server: listing.servers[last]!, key: listing.keys[last]! }) };
}

/** One page of a listing from `cursor` (undefined: the first page), with the cursor of the next page if any. */
export function paginate<T>(listing: Listing<T>, cursor: unknown, pageSize: number): { page: T[]; nextCursor?: string } {
  return pageAt(listing, pageStart(listing, cursor), pageSize);
}
