import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { messageText, withResultText } from './serialized-message.js';

const SERIALIZED_RESULT = Symbol.for('io.mcp-switchboard/serialized-result');

/** A result carrying `text` as its JSON, as the hub's list pages do; the serializer sees which object it is given. */
function carrying(result: Record<string, unknown>, text: string | undefined, seen: unknown[] = []): Record<string, unknown> {
  Object.defineProperty(result, SERIALIZED_RESULT, { value: (candidate: unknown) => (seen.push(candidate), text) });
  return result;
}

describe('messageText', () => {
  it('writes an answer whose result carries its text with that text, as JSON equal to the serialized message', () => {
    const seen: unknown[] = [];
    const result = carrying({ tools: [{ name: 'a' }] }, '{"tools":[{"name":"from-cache"}]}', seen);
    const text = messageText({ result, jsonrpc: '2.0', id: 'req-7' } as JSONRPCMessage);
    expect(seen).toEqual([result]);
    expect(text).toBe('{"result":{"tools":[{"name":"from-cache"}]},"jsonrpc":"2.0","id":"req-7"}');
    expect(JSON.parse(messageText({ result: carrying({ x: 1 }, '{"x":1}'), jsonrpc: '2.0', id: 3 } as JSONRPCMessage))).toEqual({
      result: { x: 1 },
      jsonrpc: '2.0',
      id: 3,
    });
  });

  it('serializes as usual when the result has no text, refuses to give one, or the answer has other keys', () => {
    const plain = { result: { tools: [] }, jsonrpc: '2.0', id: 1 } as JSONRPCMessage;
    expect(messageText(plain)).toBe(JSON.stringify(plain));
    const refused = { result: carrying({ tools: [{ name: 'real' }] }, undefined), jsonrpc: '2.0', id: 1 } as JSONRPCMessage;
    expect(messageText(refused)).toBe('{"result":{"tools":[{"name":"real"}]},"jsonrpc":"2.0","id":1}');
    const extra = { result: carrying({ tools: [] }, '{"stale":true}'), jsonrpc: '2.0', id: 1, extra: true } as unknown as JSONRPCMessage;
    expect(messageText(extra)).toBe('{"result":{"tools":[]},"jsonrpc":"2.0","id":1,"extra":true}');
    const request = { jsonrpc: '2.0', id: 2, method: 'ping' } as JSONRPCMessage;
    expect(messageText(request)).toBe(JSON.stringify(request));
  });
});

describe('withResultText: an answer read from a server goes on as the server wrote its result', () => {
  /** What the stdio transport does with a server's line, then the answer the hub writes with the client's id. */
  const relay = (line: string, clientId: string | number, change?: (result: Record<string, unknown>) => void): string => {
    const message = withResultText(JSON.parse(line) as JSONRPCMessage, line) as { result: Record<string, unknown> };
    change?.(message.result);
    return messageText({ result: message.result, jsonrpc: '2.0', id: clientId } as JSONRPCMessage);
  };

  it("writes the server's own text of the result (its escapes kept), with the client's id", () => {
    const line = '{"result":{"content":[{"type":"text","text":"caf\\u00e9"}]},"jsonrpc":"2.0","id":41}';
    expect(relay(line, 'c-1')).toBe('{"result":{"content":[{"type":"text","text":"caf\\u00e9"}]},"jsonrpc":"2.0","id":"c-1"}');
  });

  it('serializes again when the result changed its keys, for a copy, and for a line in another shape', () => {
    const line = '{"result":{"content":[]},"jsonrpc":"2.0","id":7}';
    expect(relay(line, 1, (r) => void (r.resultType = 'complete'))).toBe('{"result":{"content":[],"resultType":"complete"},"jsonrpc":"2.0","id":1}');
    const message = withResultText(JSON.parse(line) as JSONRPCMessage, line) as { result: Record<string, unknown> };
    expect(messageText({ result: { ...message.result }, jsonrpc: '2.0', id: 1 } as JSONRPCMessage)).toBe('{"result":{"content":[]},"jsonrpc":"2.0","id":1}');
    const spaced = '{"result": {"content": []}, "jsonrpc": "2.0", "id": 7}';
    expect(relay(spaced, 1)).toBe('{"result":{"content":[]},"jsonrpc":"2.0","id":1}');
    const extraKey = '{"result":{"a":1},"jsonrpc":"2.0","x":2,"id":7}';
    expect(JSON.parse(relay(extraKey, 1))).toEqual({ result: { a: 1 }, jsonrpc: '2.0', id: 1 });
  });

  it('a line that repeats a key still parses, for the client, to what the proxy read', () => {
    const line = '{"result":{"a":"first"},"result":{"a":"last"},"jsonrpc":"2.0","id":7}';
    expect(JSON.parse(relay(line, 'c'))).toEqual({ result: { a: 'last' }, jsonrpc: '2.0', id: 'c' });
  });
});
