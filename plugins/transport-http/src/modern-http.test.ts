import { describe, expect, it } from 'vitest';
import { httpEra } from './modern-http.js';

const modernMeta = { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } };

describe('httpEra', () => {
  it('sends a request with a session id, a plain initialize and legacy-declared requests the 2025 way', () => {
    expect(httpEra('POST', { 'mcp-session-id': 's' }, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: modernMeta }).kind).toBe('legacy');
    expect(httpEra('POST', {}, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25' } }).kind).toBe('legacy');
    expect(httpEra('POST', { 'mcp-protocol-version': '2025-06-18' }, { jsonrpc: '2.0', id: 1, method: 'tools/list' }).kind).toBe('legacy');
    expect(httpEra('POST', {}, [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: modernMeta }]).kind).toBe('legacy');
    expect(httpEra('GET', {}, undefined).kind).toBe('legacy');
  });

  it('serves statelessly what carries the modern _meta or declares a modern version, initialize included', () => {
    expect(httpEra('POST', {}, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: modernMeta }).kind).toBe('modern-request');
    expect(httpEra('POST', { 'mcp-protocol-version': '2026-07-28' }, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }).kind).toBe('modern-request');
    expect(httpEra('POST', { 'mcp-protocol-version': '2026-07-28' }, { jsonrpc: '2.0', id: 3, method: 'initialize', params: modernMeta }).kind).toBe(
      'modern-request',
    );
    expect(httpEra('POST', { 'mcp-protocol-version': '2026-07-28' }, { jsonrpc: '2.0', method: 'notifications/x' }).kind).toBe('modern-notification');
  });

  it('refuses GET and DELETE of a modern client', () => {
    expect(httpEra('GET', { 'mcp-protocol-version': '2026-07-28' }, undefined).kind).toBe('modern-refused');
    expect(httpEra('DELETE', { 'mcp-protocol-version': '2026-07-28' }, undefined).kind).toBe('modern-refused');
  });
});
