import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorCode as SwitchboardCode } from '@mcp-switchboard/plugin-api';

export { ErrorCode };

/**
 * An error answered to an upstream client as a JSON-RPC error. The SDK sends `error.code`, `error.message` and
 * `error.data` as they are; unlike `McpError` the message is not prefixed with "MCP error <code>:", so the
 * client's own McpError reads "MCP error -32602: Unknown tool ..." once.
 */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/** An RpcError carrying one of Switchboard's stable codes in `data.code`. */
export function switchboardRpcError(rpcCode: number, code: SwitchboardCode, message: string, data: Record<string, unknown> = {}): RpcError {
  return new RpcError(rpcCode, message, { code, ...data });
}

const MCP_PREFIX = /^MCP error -?\d+: /;

/**
 * Turns an error from a downstream request into one to answer upstream: a downstream JSON-RPC error keeps its
 * code, message and data untouched (the SDK's "MCP error <code>: " prefix is removed so it is not doubled).
 */
export function passThroughError(error: unknown): Error {
  if (error instanceof RpcError) return error;
  if (error instanceof McpError) {
    return new RpcError(error.code, error.message.replace(MCP_PREFIX, ''), error.data);
  }
  if (error instanceof Error) return error;
  return new Error(String(error));
}

/** A readable one-line message for logs and events (the shared one; this path is kept for imports). */
export { errorMessage } from '@mcp-switchboard/plugin-api';
