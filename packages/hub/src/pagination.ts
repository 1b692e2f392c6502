import { ErrorCode, RpcError } from './util/rpc-error.js';

/** Our opaque cursor: base64url of the offset of the next item. */
export function encodeCursor(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64url');
}

/** The offset a cursor stands for; throws -32602 for anything we did not mint. */
export function decodeCursor(cursor: unknown): number {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 32) throw invalidCursor(cursor);
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || encodeCursor(Number(text)) !== cursor) throw invalidCursor(cursor);
  return Number(text);
}

function invalidCursor(cursor: unknown): RpcError {
  return new RpcError(ErrorCode.InvalidParams, `Invalid cursor ${JSON.stringify(cursor)}: pass a nextCursor from a previous list result, or none for the first page`);
}

/** One page of `items` from `cursor` (undefined: the first page), with the cursor of the next page if any. */
export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number): { page: T[]; nextCursor?: string } {
  const start = cursor === undefined || cursor === null ? 0 : decodeCursor(cursor);
  const size = Math.max(1, pageSize);
  const end = start + size;
  const page = items.slice(start, end);
  return end < items.length ? { page, nextCursor: encodeCursor(end) } : { page };
}
