import { isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isPlainRequest } from './plain-request.js';

const valid = [
  { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } },
  { jsonrpc: '2.0', id: 'a-1', method: 'tools/list' },
  { jsonrpc: '2.0', id: 0, method: 'ping', params: {} },
  { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { _meta: { progressToken: 'p', other: 1 }, name: 'x' } },
  { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { _meta: { progressToken: 7, 'io.modelcontextprotocol/related-task': { taskId: 't' } } } },
];
const invalid: unknown[] = [
  null,
  [],
  'x',
  { jsonrpc: '1.0', id: 1, method: 'm' },
  { id: 1, method: 'm' },
  { jsonrpc: '2.0', method: 'notifications/progress', params: {} },
  { jsonrpc: '2.0', id: 1, result: {} },
  { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } },
  { jsonrpc: '2.0', id: 1.5, method: 'm' },
  { jsonrpc: '2.0', id: null, method: 'm' },
  { jsonrpc: '2.0', id: true, method: 'm' },
  { jsonrpc: '2.0', id: 1, method: 5 },
  { jsonrpc: '2.0', id: 1, method: 'm', extra: true },
  { jsonrpc: '2.0', id: 1, method: 'm', params: [] },
  { jsonrpc: '2.0', id: 1, method: 'm', params: null },
  { jsonrpc: '2.0', id: 1, method: 'm', params: 'p' },
  { jsonrpc: '2.0', id: 1, method: 'm', params: { _meta: [] } },
  { jsonrpc: '2.0', id: 1, method: 'm', params: { _meta: { progressToken: true } } },
  { jsonrpc: '2.0', id: 1, method: 'm', params: { _meta: { progressToken: 1.5 } } },
  { jsonrpc: '2.0', id: 1, method: 'm', params: { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 3 } } } },
];

describe('isPlainRequest (the SDK’s JSONRPCRequestSchema, decided by hand)', () => {
  it('accepts the requests the schema accepts', () => {
    for (const message of valid) {
      expect(isJSONRPCRequest(message), JSON.stringify(message)).toBe(true);
      expect(isPlainRequest(message), JSON.stringify(message)).toBe(true);
    }
  });

  it('refuses every message the schema refuses (it may be stricter, never looser)', () => {
    for (const message of invalid) {
      expect(isJSONRPCRequest(message), JSON.stringify(message)).toBe(false);
      expect(isPlainRequest(message), JSON.stringify(message)).toBe(false);
    }
  });
});
