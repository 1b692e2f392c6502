import type { ServerHealth } from '@mcp-switchboard/plugin-api';
import type { FrontDoorRequest, FrontDoorServices, HttpEndpoint } from '../endpoint.js';
import { allowMethods, errorMessage, sendJson } from '../http-replies.js';

/** `/health?detail=1` names servers and their errors: it always needs the token when one is set. */
function wantsDetail(request: FrontDoorRequest): boolean {
  return /^(1|true|yes)$/i.test(request.url.searchParams.get('detail') ?? '');
}

function isPath(request: FrontDoorRequest, name: string): boolean {
  return request.segments.length === 1 && request.segments[0] === name;
}

/**
 * `GET /health`: liveness (`{status:'ok'}`), public when `healthWithoutAuth`; `?detail=1` adds each server's state
 * and always needs the token. `GET /ready`: 200 once the host is ready, 503 before (`starting`) and from stop() on
 * (`draining`). Both answer until the process stops.
 */
export function healthEndpoints(services: FrontDoorServices): HttpEndpoint[] {
  const health: HttpEndpoint = {
    name: 'health',
    paths: ['/health'],
    isPublic: (request) => services.settings.healthWithoutAuth && isPath(request, 'health') && !wantsDetail(request),
    answersWhileStopping: (request) => isPath(request, 'health'),
    matches: (request) => isPath(request, 'health'),
    async handle(request) {
      if (!allowMethods(request.req, request.res, ['GET', 'HEAD'])) return;
      sendJson(request.res, 200, wantsDetail(request) ? { status: 'ok', servers: serverHealth(services) } : { status: 'ok' });
    },
  };
  const ready: HttpEndpoint = {
    name: 'ready',
    paths: ['/ready'],
    answersWhileStopping: (request) => isPath(request, 'ready'),
    matches: (request) => isPath(request, 'ready'),
    async handle(request) {
      if (!allowMethods(request.req, request.res, ['GET', 'HEAD'])) return;
      // From stop() on the replica drains: a balancer must send it nothing new.
      const status = services.isStopping() ? 'draining' : services.host().isReady() ? 'ready' : 'starting';
      sendJson(request.res, status === 'ready' ? 200 : 503, { status });
    },
  };
  return [health, ready];
}

/** Each server's health from the host, limited to the published fields (the host redacts errors). */
function serverHealth(services: FrontDoorServices): ServerHealth[] {
  let servers: ServerHealth[];
  try {
    servers = services.host().servers?.() ?? [];
  } catch (error) {
    services.logger.warn('the host could not report server health', { error: errorMessage(error) });
    return [];
  }
  return servers.map((s) => ({
    id: s.id,
    state: s.state,
    tools: s.tools,
    restarts: s.restarts,
    ...(s.error !== undefined ? { error: s.error } : {}),
  }));
}
