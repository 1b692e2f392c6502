import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
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
