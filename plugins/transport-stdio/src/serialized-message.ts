import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * Where a result may carry its own JSON text (the hub's list pages do: packages/hub/src/catalog/list-page.ts; a
 * server's answer read here does, see withResultText): a function that takes the result and returns the text, or
 * undefined when the object is not the one it was made for.
 */
const SERIALIZED_RESULT = Symbol.for('io.mcp-switchboard/serialized-result');
const RESULT_PREFIX = '{"result":';

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

/**
 * Lets the result of an answer read from a server's line be written on as the server wrote it, without serializing
 * it again (a large `resources/read` or tool result costs milliseconds to stringify). Only a line in the SDK's own
 * shape, `{"result":…,"jsonrpc":"2.0","id":…}` with nothing else in the message, qualifies; its text is given for
 * that very result object while its top-level keys are the same (a stamp, a copy or a new key gets undefined, and
 * the hub takes the text away before any plugin may change the result in place). The property is not enumerable,
 * so a spread copy does not carry it. Should the line repeat a key, the text parses to what was read (JSON's last
 * key wins), so the client reads what the proxy read.
 */
export function withResultText(message: JSONRPCMessage, line: string): JSONRPCMessage {
  const result = (message as { result?: unknown }).result;
  if (result === null || typeof result !== 'object' || Array.isArray(result) || !line.startsWith(RESULT_PREFIX)) return message;
  if (!('id' in message) || Object.keys(message).length !== 3 || message.jsonrpc !== '2.0') return message;
  const suffix = `,"jsonrpc":"2.0","id":${JSON.stringify(message.id)}}`;
  if (!line.endsWith(suffix) || line.length <= RESULT_PREFIX.length + suffix.length) return message;
  const keys = Object.keys(result);
  const text = (candidate: unknown): string | undefined => {
    if (candidate !== result) return undefined;
    const now = Object.keys(result);
    if (now.length !== keys.length || now.some((key, i) => key !== keys[i])) return undefined;
    return line.slice(RESULT_PREFIX.length, line.length - suffix.length);
  };
  Object.defineProperty(result, SERIALIZED_RESULT, { value: text, configurable: true });
  return message;
}
