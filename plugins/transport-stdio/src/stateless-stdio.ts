import { isModernRequest, type Logger, type StatelessResponse, type UpstreamHost } from '@mcp-switchboard/plugin-api';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isRequestId } from './line-diagnosis.js';

/**
 * Serves MCP 2026-07-28 requests on a stdio front door beside its 2025-era session (a dual-era server, as the
 * versioning page describes): a request carrying the modern `_meta` protocol version goes to the hub's stateless
 * dispatcher; `initialize` and everything of the session go the 2025 way. A `notifications/cancelled` naming a
 * stateless request aborts it, and no response is written for it (stdio cancellation).
 */
export function statelessDivert(
  host: UpstreamHost,
  send: (message: JSONRPCMessage) => Promise<void>,
  logger?: Logger,
): ((message: JSONRPCMessage) => boolean) | undefined {
  const serve = host.serveStateless?.bind(host);
  if (!serve) return undefined;
  // By the request's own id (a Map tells 5 from "5"), as the front door keeps its pending ids: not decimal text.
  const inFlight = new Map<string | number, AbortController>();
  const write = (message: JSONRPCMessage) =>
    send(message).catch((error: unknown) =>
      logger?.debug('could not write a stateless reply', { error: error instanceof Error ? error.message : String(error) }),
    );

  return (message) => {
    if ('method' in message && message.method === 'notifications/cancelled' && !('id' in message)) {
      // The session sees it too (so the front door stops waiting for the id); the SDK ignores ids it does not know.
      const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (isRequestId(requestId)) inFlight.get(requestId)?.abort(new Error('cancelled by the client'));
      return false;
    }
    if (!isModernRequest(message)) return false;
    const key = message.id;
    const abort = new AbortController();
    inFlight.set(key, abort);
    void serve(message, {
      signal: abort.signal,
      notify: (notification) => {
        if (!abort.signal.aborted) void write({ jsonrpc: '2.0', ...notification } as JSONRPCMessage);
      },
    }).then((response: StatelessResponse) => {
      inFlight.delete(key);
      if (!abort.signal.aborted) void write(response as JSONRPCMessage);
    });
    return true;
  };
}
