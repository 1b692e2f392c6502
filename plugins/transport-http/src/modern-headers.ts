import { MODERN_PROTOCOL_VERSION } from '@mcp-switchboard/plugin-api';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** The first protocol revision whose HTTP requests carry `Mcp-Method` / `Mcp-Name` (spec: transports/streamable-http). */
const MODERN_VERSIONS: ReadonlySet<string> = new Set([MODERN_PROTOCOL_VERSION]);

/** A header value as the spec wants it: plain printable ASCII as is, anything else in the Base64 sentinel form. */
export function headerValue(value: string): string {
  const plain = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value);
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * The routing headers of a 2026-07-28 request, read from its JSON body: `Mcp-Method` on every request, `Mcp-Name`
 * (`params.name` or `params.uri`) on tools/call, resources/read and prompts/get. Empty for anything else.
 */
export function modernRoutingHeaders(body: string): Record<string, string> {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return {};
  const { method, params } = message as { method?: unknown; params?: { name?: unknown; uri?: unknown } };
  if (typeof method !== 'string') return {};
  const headers: Record<string, string> = { 'mcp-method': headerValue(method) };
  const name = method === 'resources/read' ? params?.uri : method === 'tools/call' || method === 'prompts/get' ? params?.name : undefined;
  if (typeof name === 'string') headers['mcp-name'] = headerValue(name);
  return headers;
}

/**
 * A fetch for the SDK's Streamable HTTP client transport that adds the routing headers to the POSTs of a link
 * speaking 2026-07-28 (the hub sets that version on the transport); a 2025-era link's requests are untouched.
 */
export function fetchWithModernHeaders(inner: FetchLike = (url, init) => fetch(url, init)): FetchLike {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    const version = headers.get('mcp-protocol-version');
    if (init?.method !== 'POST' || version === null || !MODERN_VERSIONS.has(version) || typeof init.body !== 'string') return inner(input, init);
    for (const [name, value] of Object.entries(modernRoutingHeaders(init.body))) headers.set(name, value);
    return inner(input, { ...init, headers });
  };
}
