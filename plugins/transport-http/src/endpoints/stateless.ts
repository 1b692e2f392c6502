import type { UpstreamSession } from '@mcp-switchboard/plugin-api';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { knownProfile, profilePath, type FrontDoorServices, type HttpEndpoint } from '../endpoint.js';
import { errorMessage, RPC_SERVER_ERROR, sendRpcError } from '../http-replies.js';
import { claimRequestIds } from '../request-ids.js';
import { profileOption } from '../session-registry.js';
import { TrackedServerTransport } from '../tracked-transport.js';

/**
 * `http.stateless`: `/mcp` and `/mcp/<profile>` take only `POST`, and each request gets its own SDK transport and host
 * session, closed when its response closes; no `Mcp-Session-Id`.
 */
export function statelessEndpoint(services: FrontDoorServices): HttpEndpoint {
  /** Host sessions of requests still being answered, closed on shutdown. */
  const open = new Set<UpstreamSession>();

  return {
    name: 'stateless',
    paths: ['/mcp', '/mcp/<profile>'],
    matches: (request) => services.settings.stateless && profilePath(request, 'mcp') !== undefined,
    async handle(request) {
      const { profile } = profilePath(request, 'mcp')!;
      const { req, res } = request;
      if (!knownProfile(services, profile, request)) return;
      if (request.method === 'GET') request.markLongLived();
      if (request.method !== 'POST') {
        sendRpcError(res, 405, RPC_SERVER_ERROR, 'Method Not Allowed: this server is stateless (POST only)', { headers: { Allow: 'POST' } });
        return;
      }
      const body = await request.jsonBody();
      if (body.kind === 'answered') return;
      const inner = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const transport = new TrackedServerTransport(inner);
      if (!claimRequestIds(transport, body.value, res)) return;
      let session: UpstreamSession;
      try {
        session = await services.host().connect(transport, profileOption(profile));
      } catch (error) {
        services.logger.warn('the host refused a stateless request', { error: errorMessage(error) });
        sendRpcError(res, 503, RPC_SERVER_ERROR, `Service Unavailable: ${errorMessage(error)}`);
        return;
      }
      open.add(session);
      res.once('close', () => {
        open.delete(session);
        session.close().catch((error: unknown) => services.logger.debug('closing a stateless session failed', { error: errorMessage(error) }));
      });
      await inner.handleRequest(req, res, body.value);
    },
    async close() {
      await Promise.allSettled([...open].map((session) => session.close()));
    },
  };
}
