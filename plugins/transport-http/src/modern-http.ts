import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  MODERN_PROTOCOL_VERSION,
  isModernRequest,
  statelessHttpStatus,
  type Logger,
  type StatelessNotification,
  type StatelessResponse,
  type UpstreamHost,
} from '@mcp-switchboard/plugin-api';

/** Legacy protocol versions: a request naming one in `MCP-Protocol-Version` belongs to a 2025-era session. */
const LEGACY_VERSIONS: ReadonlySet<string> = new Set(['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** How the Streamable HTTP front door serves one request of the MCP endpoint, by protocol era. */
export type HttpEra =
  /** A 2026-07-28 request: served statelessly by the host. */
  | { kind: 'modern-request'; request: { jsonrpc: '2.0'; id: string | number; method: string; params?: Record<string, unknown> } }
  /** A 2026-07-28 notification: accepted (202), nothing to do (the era defines none over HTTP). */
  | { kind: 'modern-notification' }
  /** GET or DELETE from a 2026-07-28 client: the era has neither (405). */
  | { kind: 'modern-refused' }
  /** Everything else: the 2025-era session protocol. */
  | { kind: 'legacy' };

/**
 * Tells the eras apart per request, as a dual-era server does (spec: basic/versioning). With no `Mcp-Session-Id`,
 * a POST carrying the modern `_meta` protocol version, or declaring a non-legacy `MCP-Protocol-Version`, is a
 * 2026-07-28 request (so a malformed one gets that era's errors, -32602, -32020 or -32022, and `initialize` sent
 * that way is -32601); a GET or DELETE declaring such a version is refused with 405. Everything else (a session
 * id, a plain `initialize`, batches) goes the 2025 way.
 */
export function httpEra(method: string, headers: IncomingHttpHeaders, body: unknown): HttpEra {
  if (header(headers, 'mcp-session-id') !== undefined) return { kind: 'legacy' };
  const version = header(headers, 'mcp-protocol-version')?.trim();
  const declaresModern = version !== undefined && !LEGACY_VERSIONS.has(version);
  if (method === 'GET' || method === 'DELETE') return declaresModern ? { kind: 'modern-refused' } : { kind: 'legacy' };
  if (method !== 'POST' || !isObject(body) || typeof body.method !== 'string') return { kind: 'legacy' };
  if (!isModernRequest(body) && !declaresModern) return { kind: 'legacy' };
  if (!('id' in body)) return { kind: 'modern-notification' };
  const id = body.id;
  if (typeof id !== 'string' && typeof id !== 'number') return { kind: 'legacy' };
  return { kind: 'modern-request', request: body as Extract<HttpEra, { kind: 'modern-request' }>['request'] };
}

/** The answer to a GET or DELETE of a 2026-07-28 client. */
export function refuseModernStream(res: ServerResponse): void {
  const text = JSON.stringify({
    jsonrpc: '2.0',
    id: null,
    error: { code: -32000, message: `Method Not Allowed: MCP ${MODERN_PROTOCOL_VERSION} has no GET stream and no sessions; POST each request` },
  });
  res.writeHead(405, { Allow: 'POST', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Serves a 2026-07-28 request through `host.serveStateless`: a plain JSON response, or, once the request has a
 * notification to send first (progress), an SSE stream scoped to it that ends with the response. Closing the
 * response before it is answered cancels the request (the era's HTTP cancellation).
 */
export async function serveModernHttp(
  host: UpstreamHost,
  req: IncomingMessage,
  res: ServerResponse,
  request: Extract<HttpEra, { kind: 'modern-request' }>['request'],
  profile: string | undefined,
  logger?: Logger,
): Promise<void> {
  const serve = host.serveStateless?.bind(host);
  if (!serve) {
    const text = JSON.stringify({
      jsonrpc: '2.0',
      id: request.id,
      error: { code: -32601, message: `this host does not serve MCP ${MODERN_PROTOCOL_VERSION}` },
    });
    res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort(new Error('the client closed the response stream'));
  };
  res.once('close', onClose);
  let streaming = false;
  const event = (message: unknown) => res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  const notify = (notification: StatelessNotification) => {
    if (abort.signal.aborted || res.writableEnded) return;
    if (!streaming) {
      streaming = true;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    }
    event({ jsonrpc: '2.0', ...notification });
  };
  let response: StatelessResponse;
  try {
    response = await serve(request, { signal: abort.signal, notify, httpHeaders: req.headers, ...(profile !== undefined ? { profile } : {}) });
  } finally {
    res.off('close', onClose);
  }
  if (abort.signal.aborted || res.writableEnded) {
    logger?.debug('a stateless request ended before its answer', { method: request.method });
    return;
  }
  if (streaming) {
    event(response);
    res.end();
    return;
  }
  const text = JSON.stringify(response);
  res.writeHead(statelessHttpStatus(response), { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
