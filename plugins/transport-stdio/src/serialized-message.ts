import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * Where a result may carry its own JSON text (the hub's list pages do: packages/hub/src/catalog/list-page.ts): a
 * function that takes the result and returns the text, or undefined when the object is not the one it was made for.
 */
const SERIALIZED_RESULT = Symbol.for('io.mcp-switchboard/serialized-result');

/**
 * A message as one line of JSON. An answer `{ result, jsonrpc, id }` whose result carries its text is written with
 * it (a list of thousands of tools is serialized once per catalog snapshot, not on every request); anything else,
 * or a result that no longer matches its text, is serialized as usual.
 */
export function messageText(message: JSONRPCMessage): string {
  const result = (message as { result?: unknown }).result;
  const serialize = result !== null && typeof result === 'object' ? (result as Record<symbol, unknown>)[SERIALIZED_RESULT] : undefined;
  if (typeof serialize === 'function' && message.jsonrpc === '2.0' && 'id' in message && Object.keys(message).length === 3) {
    const text: unknown = serialize(result);
    if (typeof text === 'string') return `{"result":${text},"jsonrpc":"2.0","id":${JSON.stringify(message.id)}}`;
  }
  return JSON.stringify(message);
}
