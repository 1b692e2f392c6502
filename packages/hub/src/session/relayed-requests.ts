import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  type JSONRPCErrorResponse,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
  type MessageExtraInfo,
  type RequestId,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { DirectOutcome } from '../connections/direct-requests.js';
import type { UpstreamExtra } from '../connections/session-lanes.js';
import type { LooseParams, LooseResult } from '../util/schemas.js';
import { CallSignal } from './call-signal.js';

/** The requests whose result the hub relays as the server sent it (JSON-RPC level, no schema on the way back). */
export const relayedMethods: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read', 'completion/complete']);

export type RequestHandler = (params: LooseParams, extra: UpstreamExtra) => Promise<LooseResult>;

/**
 * A request answered through `done`, with no promise between the server's answer and the client's (see
 * Router.relayToolCall); false when it cannot take this one, having done nothing: the method's handler then does.
 */
export type RelayHandler = (params: LooseParams, extra: UpstreamExtra, done: (outcome: DirectOutcome) => void) => boolean;

const relatedTaskKey = 'io.modelcontextprotocol/related-task';

/** The parts of the SDK's `Protocol` a relayed request shares with the requests the SDK dispatches itself. */
interface ProtocolInternals {
  /** In-flight requests by id: `notifications/cancelled` aborts one, the end of the connection aborts them all. */
  _requestHandlerAbortControllers?: Map<RequestId, AbortController>;
}

/** The JSON-RPC error answer the SDK's `Protocol` gives for a handler's failure, built the same way. */
export function errorAnswer(id: RequestId, error: unknown): JSONRPCErrorResponse {
  const failure = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: Number.isSafeInteger(failure.code) ? (failure.code as number) : ErrorCode.InternalError,
      message: (failure.message as string | undefined) ?? 'Internal error',
      ...(failure.data !== undefined ? { data: failure.data } : {}),
    },
  };
}

/**
 * The hot path of a session: `tools/call`, `prompts/get`, `resources/read` and `completion/complete` answered past
 * the SDK's request dispatch (`Protocol._onrequest`, whose promise chain, task bookkeeping and thirteen-field
 * `extra` every call would pay for). What the client sees is what that dispatch gives: the same answer, the same
 * error answers, no answer once cancelled, cancellation by `notifications/cancelled` and by the end of the
 * connection (the request's controller sits in the SDK's own table, where both look for it), and an `extra` whose
 * notifications and requests are related to the request. Task-related requests keep the SDK's way.
 */
export class RelayedRequests {
  private constructor(
    private readonly server: Server,
    private readonly transport: Transport,
    private readonly handlers: ReadonlyMap<string, RequestHandler>,
    private readonly relays: ReadonlyMap<string, RelayHandler>,
    private readonly inFlight: Map<RequestId, AbortController>,
  ) {}

  /** The relay for a connected server, or undefined when the SDK's internals it shares are not there. */
  static attach(
    server: Server,
    transport: Transport,
    handlers: ReadonlyMap<string, RequestHandler>,
    relays: ReadonlyMap<string, RelayHandler>,
  ): RelayedRequests | undefined {
    const inFlight = (server as unknown as ProtocolInternals)._requestHandlerAbortControllers;
    return inFlight instanceof Map ? new RelayedRequests(server, transport, handlers, relays, inFlight) : undefined;
  }

  /** Answers the request if it is a relayed one (true); anything else is left to the SDK (false). */
  take(request: JSONRPCRequest, info: MessageExtraInfo | undefined): boolean {
    const handler = this.handlers.get(request.method);
    if (!handler) return false;
    const params = request.params as LooseParams | undefined;
    if (params !== undefined && (params.task !== undefined || (params._meta !== undefined && params._meta[relatedTaskKey] !== undefined))) return false;
    const id = request.id;
    // Not an AbortController: the SDK's table only calls `abort`, and the hub reads no more than CallSignal offers.
    const controller = new CallSignal();
    this.inFlight.set(id, controller as unknown as AbortController);
    const extra = this.extra(id, controller.signal, params, info);
    const done = (outcome: DirectOutcome) =>
      this.answer(id, controller, outcome.ok ? ({ result: outcome.result, jsonrpc: '2.0', id } as JSONRPCResultResponse) : errorAnswer(id, outcome.error));
    try {
      if (this.relays.get(request.method)?.(params ?? {}, extra, done)) return true;
    } catch (error) {
      done({ ok: false, error });
      return true;
    }
    handler(params ?? {}, extra).then(
      (result) => done({ ok: true, result }),
      (error: unknown) => done({ ok: false, error }),
    );
    return true;
  }

  /** A cancelled request gets no answer (MCP); the transport the request came on gets it. */
  private answer(id: RequestId, controller: CallSignal, message: JSONRPCResultResponse | JSONRPCErrorResponse): void {
    if (this.inFlight.get(id) === (controller as unknown as AbortController)) this.inFlight.delete(id);
    if (controller.aborted) return;
    this.transport.send(message).catch((error: unknown) => this.server.onerror?.(new Error(`Failed to send response: ${String(error)}`)));
  }

  private extra(id: RequestId, signal: AbortSignal, params: LooseParams | undefined, info: MessageExtraInfo | undefined): UpstreamExtra {
    const server = this.server;
    return {
      signal,
      requestId: id,
      sessionId: this.transport.sessionId,
      _meta: params?._meta,
      authInfo: info?.authInfo,
      requestInfo: info?.requestInfo,
      sendNotification: async (notification: ServerNotification) => {
        if (signal.aborted) return;
        await server.notification(notification, { relatedRequestId: id });
      },
      sendRequest: async (request: ServerRequest, resultSchema: never, options?: Record<string, unknown>) => {
        if (signal.aborted) throw new McpError(ErrorCode.ConnectionClosed, 'Request was cancelled');
        return await server.request(request, resultSchema, { ...options, relatedRequestId: id });
      },
    } as unknown as UpstreamExtra;
  }
}
