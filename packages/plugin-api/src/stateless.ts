/**
 * The stateless (2026-07-28, "modern") era of MCP as front doors meet it: no `initialize`, every request carries
 * its protocol version and client capabilities in `_meta`. A front door tells the two eras apart per message with
 * `isModernRequest` and hands modern requests to `UpstreamHost.serveStateless`.
 */

/** The protocol version of the stateless era that Switchboard serves. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The reserved `_meta` keys of the stateless era. */
export const MetaKey = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** JSON-RPC error codes the MCP specification defines for the stateless era (-32020 to -32099 are its own). */
export const ModernErrorCode = {
  /** HTTP headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) missing or not matching the body. */
  HeaderMismatch: -32020,
  /** The request needs a client capability the client did not declare in `_meta`. */
  MissingRequiredClientCapability: -32021,
  /** The request's protocol version is not one the server serves. */
  UnsupportedProtocolVersion: -32022,
} as const;

/** One JSON-RPC request as a front door parsed it. */
export interface StatelessRequest {
  jsonrpc: '2.0';
  id: string | number;
  method: string;
  params?: Record<string, unknown> | undefined;
}

/** The JSON-RPC response to a stateless request. */
export type StatelessResponse =
  | { jsonrpc: '2.0'; id: string | number; result: Record<string, unknown> }
  | { jsonrpc: '2.0'; id: string | number; error: { code: number; message: string; data?: unknown } };

/** A notification that belongs to one stateless request (progress, log messages), sent before its response. */
export interface StatelessNotification {
  method: string;
  params?: Record<string, unknown> | undefined;
}

export interface StatelessRequestOptions {
  /** Serve only this profile's servers (a workspace). Unset: the selected or default set. */
  profile?: string;
  /** Aborted when the client gives up on the request (HTTP stream closed, stdio `notifications/cancelled`). */
  signal?: AbortSignal;
  /** Sends a request-scoped notification to the client before the response. */
  notify?(notification: StatelessNotification): void;
  /**
   * The HTTP request's headers (lower-case names, as Node gives them) when the request came over Streamable HTTP:
   * the headers that mirror the body (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`) must match
   * it, or the answer is -32020. Unset (stdio): not checked.
   */
  httpHeaders?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * The HTTP status for a stateless response (spec: transports/streamable-http): 404 for an unknown method, 400 for
 * malformed params, header mismatches, missing capabilities and unsupported versions, 200 otherwise (other errors
 * travel in a 200 like results).
 */
export function statelessHttpStatus(response: StatelessResponse): number {
  if (!('error' in response)) return 200;
  const code = response.error.code;
  if (code === -32601) return 404;
  if (code === -32602 || code === -32600 || code === -32700) return 400;
  if (
    code === ModernErrorCode.HeaderMismatch ||
    code === ModernErrorCode.MissingRequiredClientCapability ||
    code === ModernErrorCode.UnsupportedProtocolVersion
  )
    return 400;
  return 200;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for a JSON-RPC request of the stateless era: it declares its protocol version in `_meta` (the versioning
 * page's rule: "a request carrying modern per-request `_meta` is served statelessly"). `initialize` and every
 * request of a 2025-era session carry no such key.
 */
export function isModernRequest(message: unknown): message is StatelessRequest {
  if (!isObject(message) || typeof message.method !== 'string' || !('id' in message)) return false;
  const params = message.params;
  if (!isObject(params) || !isObject(params._meta)) return false;
  return params._meta[MetaKey.protocolVersion] !== undefined;
}
