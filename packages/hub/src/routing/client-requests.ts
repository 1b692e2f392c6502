import type { ClientCapabilities, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { DownstreamExtra, ServerToClientMethod } from '../connections/link-opener.js';
import type { RoutableConnection as ServerConnection } from '../connections/routable-connection.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { ErrorCode, RpcError, passThroughError } from '../util/rpc-error.js';
import { LooseResultSchema, isRecord, type LooseParams, type LooseRequest, type LooseResult } from '../util/schemas.js';
import type { SessionRef } from '../connections/session-lanes.js';

/** A session that can be asked directly (no upstream call in flight to relate the request to). */
export interface RequestableSession extends SessionRef {
  /** Sends a request to the session's client. */
  request(request: LooseRequest, options: { signal: AbortSignal; timeout: number }): Promise<LooseResult>;
  /** Whether the session covers the given server (its view includes it). */
  sees(serverId: string): boolean;
}

const capabilityOf: Record<ServerToClientMethod, keyof ClientCapabilities> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/** Why a client with these capabilities cannot take this request, or undefined if it can. */
export function missingCapability(caps: ClientCapabilities | undefined, method: ServerToClientMethod, params: LooseParams | undefined): string | undefined {
  const name = capabilityOf[method];
  const declared = caps?.[name] as unknown;
  if (declared === undefined || declared === null) return `the "${name}" capability`;
  if (method === 'sampling/createMessage' && params && (params.tools !== undefined || params.toolChoice !== undefined)) {
    if (!isRecord(declared) || declared.tools === undefined) return 'the "sampling.tools" capability';
  }
  if (method === 'elicitation/create' && isRecord(declared)) {
    const mode = params?.mode ?? 'form';
    const hasForm = declared.form !== undefined;
    const hasUrl = declared.url !== undefined;
    if (mode === 'url' && !hasUrl) return 'the "elicitation.url" capability';
    if (mode === 'form' && !hasForm && hasUrl) return 'the "elicitation.form" capability';
  }
  return undefined;
}

/**
 * Relays a downstream server's sampling / elicitation / roots request to a client.
 *
 * The request goes to the session whose call is in flight on that server (never a guess between sessions: see
 * SessionLanes), through that call's `extra.sendRequest` so it carries the related request id.
 * Sampling and elicitation always belong to a call; `roots/list` belongs to one when it arrives during a call
 * (a server checking a path against the caller's roots), and then gets the same treatment: with calls of several
 * sessions in flight it is refused, never answered with another session's roots. With no call in flight (a
 * server asking at start-up or after `notifications/roots/list_changed`) it goes to the most recently connected
 * session that sees the server and declared the capability. Otherwise the server gets a clear JSON-RPC error.
 */
export async function relayServerRequest(
  connection: ServerConnection,
  request: LooseRequest<ServerToClientMethod>,
  downstream: DownstreamExtra,
  sessions: () => readonly RequestableSession[],
): Promise<LooseResult> {
  const method = request.method;
  const params = request.params;
  const timeout = Math.min(connection.timeouts.maxTotalMs, MAX_TIMEOUT_MS);
  const forwarded = (params === undefined ? { method } : { method, params }) as LooseRequest;

  const asksTheUser = method === 'sampling/createMessage' || method === 'elicitation/create';
  const perSession = connection.lanes.attribute(asksTheUser ? 'ask' : 'roots');
  const belongsToACall = asksTheUser || perSession.length > 0;
  if (belongsToACall && perSession.length > 1) {
    // Calls of several sessions are in flight and stdio says nothing about which one asks: refuse rather than
    // guess; the lanes take turns from now on so it cannot happen again on this connection.
    throw new RpcError(
      ErrorCode.InvalidRequest,
      `Switchboard cannot tell which of ${perSession.length} client sessions ${method} from server "${connection.id}" belongs to; ` +
        'sessions now take turns on this server, so a retry will reach the right client (set "isolateSessions": "strict" on the server to avoid this)',
    );
  }
  const call = perSession.length === 1 ? perSession[0] : undefined;
  if (call) {
    const missing = missingCapability(call.session.clientCapabilities(), method, params);
    if (missing) {
      throw new RpcError(
        ErrorCode.InvalidRequest,
        `Switchboard cannot relay ${method} from server "${connection.id}": the client of the calling session did not declare ${missing}`,
      );
    }
    try {
      return await call.extra.sendRequest(forwarded as ServerRequest, LooseResultSchema, { signal: downstream.signal, timeout });
    } catch (error) {
      throw passThroughError(error);
    }
  }

  const all = sessions();
  let target: RequestableSession | undefined;
  for (let i = all.length - 1; i >= 0; i--) {
    const session = all[i]!;
    if (session.sees(connection.id) && !missingCapability(session.clientCapabilities(), method, params)) {
      target = session;
      break;
    }
  }
  if (!target) {
    throw new RpcError(
      ErrorCode.MethodNotFound,
      `Switchboard cannot relay ${method} from server "${connection.id}": no connected client supports ${capabilityOf[method]}`,
    );
  }
  try {
    return await target.request(forwarded, { signal: downstream.signal, timeout });
  } catch (error) {
    throw passThroughError(error);
  }
}
