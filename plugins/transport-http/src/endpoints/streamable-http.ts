import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { knownProfile, profilePath, type FrontDoorRequest, type FrontDoorServices, type HttpEndpoint } from '../endpoint.js';
import { RPC_SERVER_ERROR, sendRpcError } from '../http-replies.js';
import { claimRequestIds } from '../request-ids.js';
import type { SessionEntry } from '../session-registry.js';

/**
 * Streamable HTTP with sessions on `/mcp` and `/mcp/<profile>`: `POST` an initialize without `Mcp-Session-Id` to
 * open a session (one SDK transport and one host session each), then `POST` messages, `GET` the standalone SSE
 * stream and `DELETE` the session with its id.
 */
export function streamableHttpEndpoint(services: FrontDoorServices): HttpEndpoint {
  const { sessions } = services;

  async function forward(entry: SessionEntry, request: FrontDoorRequest, body: unknown, stream: boolean): Promise<void> {
    if (body !== undefined && !claimRequestIds(entry.transport, body, request.res)) return;
    if (stream) sessions.touch(entry);
    else sessions.trackRequest(entry, request.res);
    const inner = entry.transport.inner as StreamableHTTPServerTransport;
    await inner.handleRequest(request.req, request.res, body);
  }

  async function createSession(request: FrontDoorRequest, body: unknown, profile: string | undefined): Promise<void> {
    const { req, res } = request;
    if (!(await sessions.reserveSlot(res))) return;
    const id = randomUUID();
    let entry: SessionEntry | undefined;
    const inner = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: () => {
        if (entry) sessions.register(entry);
      },
    });
    entry = sessions.newEntry(id, 'streamable', profile, inner);
    const connected = await sessions.connect(entry, services.host(), res, () => services.isStopping());
    if (!connected) return;
    const created = entry;
    sessions.trackRequest(created, res);
    res.once('close', () => {
      // The initialize request was refused (bad headers, bad JSON-RPC): no session came of it.
      if (!sessions.has(created.id)) void sessions.close(created);
    });
    await inner.handleRequest(req, res, body);
  }

  return {
    name: 'streamable-http',
    paths: ['/mcp', '/mcp/<profile>'],
    matches: (request) => profilePath(request, 'mcp') !== undefined,
    async handle(request) {
      const { profile } = profilePath(request, 'mcp')!;
      const { res } = request;
      if (!knownProfile(services, profile, request)) return;
      const method = request.method;
      // A standalone SSE stream lives as long as the session: it is not a request in flight.
      if (method === 'GET') request.markLongLived();
      if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
        sendRpcError(res, 405, RPC_SERVER_ERROR, 'Method Not Allowed', { headers: { Allow: 'GET, POST, DELETE' } });
        return;
      }
      const sessionId = request.header('mcp-session-id');
      if (method !== 'POST') {
        if (sessionId === undefined) {
          sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');
          return;
        }
        const entry = sessions.find(sessionId, 'streamable', profile, res);
        if (entry) await forward(entry, request, undefined, method === 'GET');
        return;
      }
      const body = await request.jsonBody();
      if (body.kind === 'answered') return;
      if (sessionId !== undefined) {
        const entry = sessions.find(sessionId, 'streamable', profile, res);
        if (entry) await forward(entry, request, body.value, false);
        return;
      }
      const initialize = Array.isArray(body.value) ? body.value.some((m) => isInitializeRequest(m)) : isInitializeRequest(body.value);
      if (!initialize) {
        sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required (or send an initialize request to start a session)');
        return;
      }
      if (services.isStopping()) {
        sendRpcError(res, 503, RPC_SERVER_ERROR, 'Service Unavailable: shutting down', { headers: { Connection: 'close' } });
        return;
      }
      await createSession(request, body.value, profile);
    },
  };
}
