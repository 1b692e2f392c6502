// The two seams later work plugs into, shown with stand-ins: an endpoint in front of the built-in ones (a public
// well-known document; a protocol era chosen per request from the body) and an auth check besides the bearer token.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeHost } from '../test/fake-host.js';
import { INITIALIZE_BODY, MCP_HEADERS, rawRequest } from '../test/helpers.js';
import { profilePath, type HttpEndpoint } from './endpoint.js';
import { sendJson } from './http-replies.js';
import { HttpUpstream, type HttpUpstreamOptions } from './http-upstream.js';
import type { AuthCheck } from './security-gate.js';

const started: HttpUpstream[] = [];
afterEach(async () => {
  await Promise.allSettled(started.splice(0).map((upstream) => upstream.stop()));
});

async function start(authToken: string | undefined, options: HttpUpstreamOptions): Promise<string> {
  const upstream = new HttpUpstream({ host: '127.0.0.1', port: 0, ...(authToken ? { authToken } : {}) }, options);
  await upstream.start(new FakeHost());
  started.push(upstream);
  return `http://127.0.0.1:${upstream.port!}`;
}

const wellKnown: HttpEndpoint = {
  name: 'protected-resource-metadata',
  paths: ['/.well-known/oauth-protected-resource'],
  isPublic: (request) => request.url.pathname === '/.well-known/oauth-protected-resource',
  matches: (request) => request.url.pathname === '/.well-known/oauth-protected-resource',
  async handle(request) {
    sendJson(request.res, 200, { resource: 'http://127.0.0.1/mcp', authorization_servers: ['https://auth.example'] });
  },
};

const oauthStandIn: AuthCheck = {
  name: 'oauth',
  check: (req) =>
    req.headers.authorization === 'Bearer from-the-authorization-server'
      ? { kind: 'accepted' }
      : { kind: 'refused', reason: 'an access token is required', challenge: 'Bearer resource_metadata="/.well-known/oauth-protected-resource"' },
};

describe('front-door seams', () => {
  it('a public endpoint and an extra auth check: metadata without a token, either credential admits, 401 names both challenges', async () => {
    const base = await start('static-token', { endpoints: () => [wellKnown], authChecks: [oauthStandIn] });
    const metadata = await rawRequest(`${base}/.well-known/oauth-protected-resource`);
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body)).toMatchObject({ authorization_servers: ['https://auth.example'] });

    const refused = await rawRequest(`${base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE_BODY) });
    expect(refused.status).toBe(401);
    expect(String(refused.headers['www-authenticate'])).toContain('realm="switchboard"');
    expect(String(refused.headers['www-authenticate'])).toContain('resource_metadata=');

    for (const credential of ['Bearer static-token', 'Bearer from-the-authorization-server']) {
      const admitted = await rawRequest(`${base}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, Authorization: credential },
        body: JSON.stringify(INITIALIZE_BODY),
      });
      expect(admitted.status).toBe(200);
    }
  });

  it('an endpoint in front of /mcp chosen per request from the body; everything else still reaches the session endpoint', async () => {
    const perRequestEra: HttpEndpoint = {
      name: 'stateless-2026',
      paths: ['/mcp'],
      async matches(request) {
        if (request.method !== 'POST' || request.header('mcp-session-id') || !profilePath(request, 'mcp')) return false;
        const body = await request.jsonBody();
        const meta = body.kind === 'json' ? (body.value as { params?: { _meta?: Record<string, unknown> } }).params?._meta : undefined;
        return meta?.['io.modelcontextprotocol/protocolVersion'] === '2026-07-28';
      },
      async handle(request) {
        const body = await request.jsonBody();
        const id = body.kind === 'json' ? (body.value as { id?: unknown }).id : null;
        sendJson(request.res, 200, { jsonrpc: '2.0', id, result: { servedBy: 'stateless-2026' } });
      },
    };
    const base = await start(undefined, { endpoints: () => [perRequestEra] });
    const stateless = await rawRequest(`${base}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } }),
    });
    expect(JSON.parse(stateless.body)).toEqual({ jsonrpc: '2.0', id: 5, result: { servedBy: 'stateless-2026' } });

    // The body was read once by `matches`; the session endpoint gets the same value.
    const session = await rawRequest(`${base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE_BODY) });
    expect(session.status).toBe(200);
    expect(session.headers['mcp-session-id']).toBeTruthy();
  });
});
