import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { MessageLines } from './message-lines.js';
import { isPlainMessage } from './plain-message.js';

const plain: unknown[] = [
  { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
  { jsonrpc: '2.0', id: 'a', method: 'ping' },
  { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 'tok', traceparent: '00-ab' } } },
  { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 3, progress: 1 } },
  { jsonrpc: '2.0', id: 2, result: {} },
  { jsonrpc: '2.0', id: 'b', result: { content: [{ type: 'text', text: 'x' }], fieldOfTomorrow: 1, _meta: { progressToken: 1 } } },
];

const notPlain: unknown[] = [
  null,
  [],
  'text',
  { jsonrpc: '1.0', id: 1, method: 'ping' },
  { jsonrpc: '2.0', id: null, method: 'ping' },
  { jsonrpc: '2.0', id: 1.5, method: 'ping' },
  { jsonrpc: '2.0', id: 2 ** 60, method: 'ping' },
  { jsonrpc: '2.0', id: 1, method: 'ping', extra: true },
  { jsonrpc: '2.0', id: 1, method: 'ping', params: [1] },
  { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: { no: 1 } } } },
  { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { 'io.modelcontextprotocol/related-task': {} } } },
  { jsonrpc: '2.0', method: 'notifications/x', id: undefined, params: 'no' },
  { jsonrpc: '2.0', id: 1, result: 'not an object' },
  { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'both' } },
  { jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'error answers go through the schema' } },
];

describe('isPlainMessage', () => {
  it('takes a message as it is only where the SDK schema accepts it and would give it back unchanged', () => {
    for (const value of [...plain, ...notPlain]) {
      if (!isPlainMessage(value)) continue;
      const parsed = JSONRPCMessageSchema.safeParse(value);
      expect(parsed.success, JSON.stringify(value)).toBe(true);
      expect(parsed.data).toEqual(value);
    }
  });

  it('takes the common messages (requests, notifications, results) by hand and leaves the rest to the schema', () => {
    expect(plain.filter((value) => !isPlainMessage(value))).toEqual([]);
    expect(notPlain.filter((value) => isPlainMessage(value))).toEqual([]);
  });
});

describe('MessageLines', () => {
  it('splits output into messages across chunks, drops a CR, and throws for a bad line after consuming it', () => {
    const lines = new MessageLines(1024);
    lines.append(Buffer.from('{"jsonrpc":"2.0","id":1,"result":{}}\r\n{"jsonrpc":"2.0",'));
    expect(lines.next()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    expect(lines.next()).toBeNull();
    lines.append(Buffer.from('"id":2,"error":{"code":-1,"message":"m","extra":1}}\nnot json\n{"jsonrpc":"2.0","method":"x"}\n'));
    // An error answer goes through the SDK's schema, as before (which drops what `error` may not carry).
    expect(lines.next()).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -1, message: 'm' } });
    expect(() => lines.next()).toThrow(SyntaxError);
    expect(lines.next()).toEqual({ jsonrpc: '2.0', method: 'x' });
    expect(lines.next()).toBeNull();
    lines.append(Buffer.from('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":[]}\n'));
    expect(() => lines.next()).toThrow();
  });

  it('refuses output past its cap, as the SDK ReadBuffer does', () => {
    const lines = new MessageLines(16);
    expect(() => lines.append(Buffer.alloc(17, 0x20))).toThrow(/exceeded maximum size of 16 bytes/);
    lines.append(Buffer.from('{"jsonrpc":"2.0"'));
    expect(lines.next()).toBeNull();
  });
});
