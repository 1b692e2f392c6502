import { isPlainMessage } from '@mcp-switchboard/plugin-api';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/**
 * True exactly when the SDK's `JSONRPCRequestSchema` would accept the message and give it back unchanged, decided
 * by hand (plugin-api's `isPlainMessage`): the session's request dispatch calls it for every message instead of
 * three zod parses (`Protocol`'s response checks run first and fail, which is the costly way for a zod parse to
 * end). It may be stricter than the schema, never looser: a message it refuses takes the SDK's own way.
 */
export function isPlainRequest(message: unknown): message is JSONRPCRequest {
  return isPlainMessage(message) && 'method' in message && 'id' in message;
}
