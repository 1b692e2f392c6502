import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { isRecord } from '../util/schemas.js';

const requestKeys = new Set(['jsonrpc', 'id', 'method', 'params']);
const relatedTaskKey = 'io.modelcontextprotocol/related-task';

const isIdOrToken = (value: unknown): boolean => typeof value === 'string' || Number.isSafeInteger(value);

/**
 * True exactly when the SDK's `JSONRPCRequestSchema` (strict: `jsonrpc` "2.0", a string or integer `id`, a string
 * `method`, optional object `params` whose optional `_meta` holds an optional string or integer `progressToken` and
 * an optional related task with a string `taskId`) would accept the message, decided by hand: the session's request
 * dispatch calls it for every message instead of three zod parses (`Protocol`'s response checks run first and
 * fail, which is the costly way for a zod parse to end). It may be stricter than the schema, never looser: a
 * message it refuses takes the SDK's own way.
 */
export function isPlainRequest(message: unknown): message is JSONRPCRequest {
  if (!isRecord(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string' || !isIdOrToken(message.id)) return false;
  for (const key in message) if (!requestKeys.has(key)) return false;
  const params = message.params;
  if (params === undefined) return true;
  if (!isRecord(params)) return false;
  const meta = params._meta;
  if (meta === undefined) return true;
  if (!isRecord(meta)) return false;
  if (meta.progressToken !== undefined && !isIdOrToken(meta.progressToken)) return false;
  const related = meta[relatedTaskKey];
  return related === undefined || (isRecord(related) && typeof related.taskId === 'string');
}
