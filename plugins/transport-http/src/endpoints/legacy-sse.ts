import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { knownProfile, profilePath, type FrontDoorServices, type HttpEndpoint } from '../endpoint.js';
import { claimRequestIds } from '../request-ids.js';
import { grantedProfile } from '../security-gate.js';
import { allowMethods, errorMessage, RPC_SERVER_ERROR, RPC_SESSION_NOT_FOUND, sendRpcError } from '../http-replies.js';

const SSE_KEEPALIVE_MS = 25_000;

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05): `GET /sse` or `/sse/<profile>` opens a session's event
 * stream, whose first event names `/messages?sessionId=<id>`, where the client `POST`s its messages (answered 202;
 * the results come on the stream).
 */
export function legacySseEndpoints(services: FrontDoorServices): HttpEndpoint[] {
  const { sessions } = services;

  const stream: HttpEndpoint = {
    name: 'legacy-sse',
    paths: ['/sse', '/sse/<profile>'],
    matches: (request) => profilePath(request, 'sse') !== undefined,
    async handle(request) {
      const { profile } = profilePath(request, 'sse')!;
      const { req, res } = request;
      if (!knownProfile(services, profile, request)) return;
      if (!allowMethods(req, res, ['GET'])) return;
      request.markLongLived();
      if (!(await sessions.reserveSlot(res))) return;
      const inner = new SSEServerTransport('/messages', res);
      const entry = sessions.newEntry(inner.sessionId, 'sse', profile, inner);
      // Registered before connecting: the client may POST as soon as it reads the endpoint event.
      sessions.register(entry);
      const keepAlive = setInterval(() => {
        if (!res.writableEnded) res.write(': keepalive\n\n');
      }, SSE_KEEPALIVE_MS);
      keepAlive.unref();
      res.once('close', () => {
        clearInterval(keepAlive);
        void sessions.close(entry);
      });
      await sessions.connect(entry, services.host(), res, () => services.isStopping());
    },
  };

  const messages: HttpEndpoint = {
    name: 'legacy-sse-messages',
    paths: ['/messages'],
    matches: (request) => request.segments.length === 1 && request.segments[0] === 'messages',
    async handle(request) {
      const { req, res } = request;
      if (!allowMethods(req, res, ['POST'])) return;
      const sessionId = request.url.searchParams.get('sessionId');
      if (!sessionId) {
        sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: the sessionId query parameter is required');
        return;
      }
      const entry = sessions.get(sessionId);
      // Credentials limited to one profile reach only that profile's sessions.
      const granted = grantedProfile(req);
      if (!entry || entry.kind !== 'sse' || (granted !== undefined && entry.profile !== granted)) {
        sendRpcError(res, 404, RPC_SESSION_NOT_FOUND, 'Session not found');
        return;
      }
      const body = await request.jsonBody();
      if (body.kind === 'answered') return;
      if (!claimRequestIds(entry.transport, body.value, res)) return;
      sessions.trackRequest(entry, res);
      const inner = entry.transport.inner as SSEServerTransport;
      try {
        await inner.handlePostMessage(req, res, body.value);
      } catch (error) {
        services.logger.debug('legacy SSE message refused', { session: entry.id, error: errorMessage(error) });
        if (!res.headersSent) sendRpcError(res, 400, RPC_SERVER_ERROR, `Bad Request: ${errorMessage(error)}`);
      }
    },
  };

  return [stream, messages];
}
