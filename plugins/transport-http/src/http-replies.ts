import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON-RPC error codes used in HTTP error bodies. */
export const RPC_SERVER_ERROR = -32000;
export const RPC_SESSION_NOT_FOUND = -32001;
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_INTERNAL_ERROR = -32603;

/** A JSON-RPC id as a client may send it; `null` when the message has none we may echo. */
export type RpcId = string | number | null;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}

/** An HTTP error with a JSON-RPC error body (`id: null` unless given), as the MCP transports answer. */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  options: { data?: unknown; headers?: Record<string, string>; id?: RpcId } = {},
): void {
  const error = { code, message, ...(options.data !== undefined ? { data: options.data } : {}) };
  sendJson(res, status, { jsonrpc: '2.0', error, id: options.id ?? null }, options.headers);
}

/** Answers 405 (with `Allow`) unless the request's method is one of `methods`. */
export function allowMethods(req: IncomingMessage, res: ServerResponse, methods: readonly string[]): boolean {
  if (methods.includes(req.method ?? 'GET')) return true;
  sendRpcError(res, 405, RPC_SERVER_ERROR, 'Method Not Allowed', { headers: { Allow: methods.join(', ') } });
  return false;
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The shared one-line message of anything thrown (re-exported here for this package's modules). */
export { errorMessage } from '@mcp-switchboard/plugin-api';
