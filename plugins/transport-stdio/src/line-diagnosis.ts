import { JSONRPCNotificationSchema, JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';

// What the stdio front door says about a line it cannot accept: the id to answer with (also of a line too long to
// keep, sniffed from its ends) and why the value is not a JSON-RPC message.

/** A JSON-RPC id as a reply may carry it (null when the line has none we can echo). */
export type RawId = string | number | null;

/** True for the id of a request: a string or a number. */
export function isRequestId(id: unknown): id is string | number {
  return typeof id === 'string' || typeof id === 'number';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The id a reply to this (invalid) message should carry: only requests (a `method` and a string or number id)
 * have one we may echo. A malformed *response* gets id null, since echoing its id would look like an answer to
 * one of the client's own requests.
 */
export function replyIdOf(value: unknown): RawId {
  if (!isObject(value) || typeof value.method !== 'string') return null;
  return isRequestId(value.id) ? value.id : null;
}

const ID_VALUE = String.raw`(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*")`;
/** `{"id": X` or `{"jsonrpc": "2.0", "id": X` at the very start: certainly the top-level id. */
const HEAD_ID = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}\s*[,}]`);
/** `"id": X}` at the very end, closed by exactly one brace: certainly the top-level id. */
const TAIL_ID = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);
const HAS_METHOD = /"method"\s*:\s*"/;

/** Best effort: the request id of a line too long to parse, from its first and last bytes. */
export function sniffId(head: string, tail: string): RawId {
  if (!HAS_METHOD.test(head) && !HAS_METHOD.test(tail)) return null;
  const match = HEAD_ID.exec(head) ?? TAIL_ID.exec(tail);
  if (!match?.[1]) return null;
  try {
    const id: unknown = JSON.parse(match[1]);
    return isRequestId(id) ? id : null;
  } catch {
    return null;
  }
}

/** The first `n` bytes of the concatenation of `parts`, copying no more than that. */
export function firstBytes(parts: Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    if (size >= n) break;
    const take = part.subarray(0, n - size);
    out.push(take);
    size += take.length;
  }
  return Buffer.concat(out);
}

/** The last `n` bytes of the concatenation of `parts`, as a copy that does not pin the originals. */
export function lastBytes(parts: Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (let i = parts.length - 1; i >= 0 && size < n; i--) {
    const part = parts[i]!;
    const take = part.subarray(Math.max(0, part.length - (n - size)));
    out.unshift(take);
    size += take.length;
  }
  return Buffer.from(Buffer.concat(out));
}

function firstIssue(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Why `value` (valid JSON) is not a JSON-RPC message we accept. */
export function describeInvalid(value: unknown): string {
  if (Array.isArray(value)) return 'JSON-RPC batches are not supported; send one message per line';
  if (!isObject(value)) return 'a JSON-RPC message must be a JSON object';
  if (value.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  if (typeof value.method === 'string') {
    const schema = 'id' in value ? JSONRPCRequestSchema : JSONRPCNotificationSchema;
    const result = schema.safeParse(value);
    return result.success ? 'not a valid JSON-RPC message' : firstIssue(result.error);
  }
  if ('method' in value) return '"method" must be a string';
  if ('result' in value || 'error' in value) return 'not a valid JSON-RPC response';
  return 'not a JSON-RPC request, notification or response';
}
