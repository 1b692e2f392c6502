import { describe, expect, it } from 'vitest';
import { checkHttpHeaders, decodeHeaderValue, mirroredParameters, type HttpHeaders } from './http-headers.js';

const V = '2026-07-28';
const regionTool = { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, n: { type: 'integer', 'x-mcp-header': 'N' } } };
const schemaOf = (name: string) => (name === 'sql' ? regionTool : undefined);

function check(headers: HttpHeaders, method: string, params: Record<string, unknown>) {
  return () => checkHttpHeaders(headers, method, params, V, schemaOf);
}

const base = { 'mcp-protocol-version': V };

describe('checkHttpHeaders', () => {
  it('accepts headers that mirror the body (names are case-insensitive upstream; values are trimmed)', () => {
    expect(check({ ...base, 'mcp-method': ' tools/list ' }, 'tools/list', {})).not.toThrow();
    expect(
      check({ ...base, 'mcp-method': 'tools/call', 'mcp-name': 'sql', 'mcp-param-region': 'eu', 'mcp-param-n': '42.0' }, 'tools/call', {
        name: 'sql',
        arguments: { region: 'eu', n: 42 },
      }),
    ).not.toThrow();
    expect(
      check({ ...base, 'mcp-method': 'resources/read', 'mcp-name': `=?base64?${Buffer.from('file:///ü').toString('base64')}?=` }, 'resources/read', {
        uri: 'file:///ü',
      }),
    ).not.toThrow();
  });

  it('answers -32020 for a missing or different version, method or name', () => {
    expect(check({ 'mcp-method': 'tools/list' }, 'tools/list', {})).toThrow(expect.objectContaining({ code: -32020 }));
    expect(check({ 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/list' }, 'tools/list', {})).toThrow(expect.objectContaining({ code: -32020 }));
    expect(check({ ...base }, 'tools/list', {})).toThrow(expect.objectContaining({ code: -32020 }));
    expect(check({ ...base, 'mcp-method': 'Tools/List' }, 'tools/list', {})).toThrow(expect.objectContaining({ code: -32020 }));
    expect(check({ ...base, 'mcp-method': 'prompts/get' }, 'prompts/get', { name: 'p' })).toThrow(/Mcp-Name header is required/);
    expect(check({ ...base, 'mcp-method': 'prompts/get', 'mcp-name': 'q' }, 'prompts/get', { name: 'p' })).toThrow(/does not match/);
  });

  it('requires the Mcp-Param headers a tool schema declares when the body has the value, and checks them', () => {
    const headers = { ...base, 'mcp-method': 'tools/call', 'mcp-name': 'sql' };
    expect(check(headers, 'tools/call', { name: 'sql', arguments: { region: 'eu' } })).toThrow(/Mcp-Param-Region header is required/);
    expect(check({ ...headers, 'mcp-param-region': 'us' }, 'tools/call', { name: 'sql', arguments: { region: 'eu' } })).toThrow(/does not match/);
    expect(check(headers, 'tools/call', { name: 'sql', arguments: {} })).not.toThrow();
    expect(check({ ...headers, 'mcp-param-region': '=?base64?SGVsbG8?=' }, 'tools/call', { name: 'sql', arguments: { region: 'Hello' } })).toThrow(
      /not valid Base64/,
    );
  });
});

describe('decodeHeaderValue and mirroredParameters', () => {
  it('decodes the Base64 sentinel strictly and takes anything else literally', () => {
    expect(decodeHeaderValue('h', '=?base64?SGVsbG8=?=')).toBe('Hello');
    expect(decodeHeaderValue('h', 'SGVsbG8=')).toBe('SGVsbG8=');
    expect(decodeHeaderValue('h', '=?base64?SGVsbG8=')).toBe('=?base64?SGVsbG8=');
    expect(() => decodeHeaderValue('h', '=?base64?SGVs!!!bG8=?=')).toThrow(expect.objectContaining({ code: -32020 }));
  });

  it('finds annotated properties through nested properties only', () => {
    const schema = { properties: { a: { 'x-mcp-header': 'A' }, o: { properties: { b: { 'x-mcp-header': 'B' } } }, l: { items: { 'x-mcp-header': 'C' } } } };
    expect(mirroredParameters(schema)).toEqual([
      { header: 'A', path: ['a'] },
      { header: 'B', path: ['o', 'b'] },
    ]);
  });
});
