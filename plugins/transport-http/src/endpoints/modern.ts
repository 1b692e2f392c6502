import { knownProfile, profilePath, type FrontDoorRequest, type FrontDoorServices, type HttpEndpoint } from '../endpoint.js';
import { httpEra, refuseModernStream, serveModernHttp, type HttpEra } from '../modern-http.js';

/**
 * MCP 2026-07-28 on `/mcp` and `/mcp/<profile>`, beside the 2025-era endpoints (a dual-era server): a request
 * without `Mcp-Session-Id` that carries the modern `_meta` or declares a modern `MCP-Protocol-Version` is served
 * statelessly by the host; a modern client's GET or DELETE gets 405. Everything else falls through to the
 * session-based endpoints (see `httpEra`).
 */
export function modernEndpoint(services: FrontDoorServices): HttpEndpoint {
  async function eraOf(request: FrontDoorRequest): Promise<HttpEra> {
    const method = request.method;
    if (method !== 'POST') return httpEra(method, request.req.headers, undefined);
    if (request.header('mcp-session-id') !== undefined) return { kind: 'legacy' };
    const body = await request.jsonBody();
    // A refused body (413, 415, 400) is already answered; the next endpoint sees the same answer and stops.
    return body.kind === 'answered' ? { kind: 'legacy' } : httpEra(method, request.req.headers, body.value);
  }

  return {
    name: 'mcp-2026',
    paths: ['/mcp', '/mcp/<profile>'],
    async matches(request) {
      if (profilePath(request, 'mcp') === undefined) return false;
      return (await eraOf(request)).kind !== 'legacy';
    },
    async handle(request) {
      const { profile } = profilePath(request, 'mcp')!;
      const { req, res } = request;
      if (!knownProfile(services, profile, request)) return;
      const era = await eraOf(request);
      switch (era.kind) {
        case 'modern-refused':
          refuseModernStream(res);
          return;
        case 'modern-notification':
          res.writeHead(202).end();
          return;
        case 'modern-request':
          // A listen stream stays open until the client leaves: not a request a graceful stop waits for.
          if (era.request.method === 'subscriptions/listen') request.markLongLived();
          await serveModernHttp(services.host(), req, res, era.request, profile, services.logger);
          return;
        case 'legacy':
          return;
      }
    },
  };
}
