import { describe, expect, it } from 'vitest';
import { fetchWithModernHeaders, headerValue, modernRoutingHeaders } from './modern-headers.js';

describe('2026-07-28 routing headers', () => {
  it('Mcp-Method on every request, Mcp-Name from params.name or params.uri where the spec wants it, Base64 for non-ASCII', () => {
    expect(modernRoutingHeaders(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_weather' } }))).toEqual({
      'mcp-method': 'tools/call',
      'mcp-name': 'get_weather',
    });
    expect(modernRoutingHeaders(JSON.stringify({ method: 'resources/read', params: { uri: 'file:///a b' } }))).toEqual({
      'mcp-method': 'resources/read',
      'mcp-name': 'file:///a b',
    });
    expect(modernRoutingHeaders(JSON.stringify({ method: 'tools/list', params: { name: 'ignored' } }))).toEqual({ 'mcp-method': 'tools/list' });
    expect(modernRoutingHeaders('not json')).toEqual({});
    expect(headerValue('héllo')).toBe(`=?base64?${Buffer.from('héllo').toString('base64')}?=`);
    expect(headerValue(' padded ')).toMatch(/^=\?base64\?/);
  });

  it('adds them only to POSTs of a link that speaks 2026-07-28', async () => {
    const sent: Headers[] = [];
    const fetch = fetchWithModernHeaders(async (_input, init) => {
      sent.push(new Headers(init?.headers));
      return new Response('{}');
    });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'prompts/get', params: { name: 'greet' } });
    await fetch('http://x/mcp', { method: 'POST', headers: { 'mcp-protocol-version': '2026-07-28' }, body });
    await fetch('http://x/mcp', { method: 'POST', headers: { 'mcp-protocol-version': '2025-11-25' }, body });
    await fetch('http://x/mcp', { method: 'POST', body });
    expect(sent.map((h) => [h.get('mcp-method'), h.get('mcp-name')])).toEqual([
      ['prompts/get', 'greet'],
      [null, null],
      [null, null],
    ]);
  });
});
