import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const relatedTaskKey = 'io.modelcontextprotocol/related-task';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isIdOrToken = (value: unknown): boolean => typeof value === 'string' || Number.isSafeInteger(value);

/** Only these keys, and `jsonrpc` "2.0" (the SDK's message schemas are strict at the top level). */
function hasOnlyKeys(message: Record<string, unknown>, keys: ReadonlySet<string>): boolean {
  if (message.jsonrpc !== '2.0') return false;
  for (const key in message) if (!keys.has(key)) return false;
  return true;
}

/** A `_meta` as the SDK's request meta schema takes it (loose: other keys pass). */
function isPlainMeta(meta: unknown): boolean {
  if (meta === undefined) return true;
  if (!isRecord(meta)) return false;
  if (meta.progressToken !== undefined && !isIdOrToken(meta.progressToken)) return false;
  const related = meta[relatedTaskKey];
  return related === undefined || (isRecord(related) && typeof related.taskId === 'string');
}

/** Params (or a result): absent when `optional`, else an object with a plain `_meta`. */
function isPlainBody(value: unknown, optional: boolean): boolean {
  if (value === undefined) return optional;
  return isRecord(value) && isPlainMeta(value._meta);
}

const requestKeys = new Set(['jsonrpc', 'id', 'method', 'params']);
const notificationKeys = new Set(['jsonrpc', 'method', 'params']);
const resultKeys = new Set(['jsonrpc', 'id', 'result']);

/**
 * True when the SDK's `JSONRPCMessageSchema` would accept `value` as a request, a notification or a result
 * response *and* give it back unchanged (their bodies are loose objects: nothing is stripped), decided by hand
 * instead of a zod union (whose failing branches are the costly way for a parse to end: a result tries two
 * branches before its own). It may be stricter than the schema, never looser. Error responses are not decided here:
 * their schema strips unknown keys of `error`, so they go through it.
 */
export function isPlainMessage(value: unknown): value is JSONRPCMessage {
  if (!isRecord(value)) return false;
  if (typeof value.method === 'string') {
    if ('id' in value) return isIdOrToken(value.id) && hasOnlyKeys(value, requestKeys) && isPlainBody(value.params, true);
    return hasOnlyKeys(value, notificationKeys) && isPlainBody(value.params, true);
  }
  return 'result' in value && isIdOrToken(value.id) && hasOnlyKeys(value, resultKeys) && isPlainBody(value.result, false);
}

/** `value` as a JSON-RPC message: as it is when plain (see isPlainMessage), else as the SDK's schema parses it (or throws). */
export function toJsonRpcMessage(value: unknown): JSONRPCMessage {
  return isPlainMessage(value) ? value : JSONRPCMessageSchema.parse(value);
}
