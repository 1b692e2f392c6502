import { MODERN_PROTOCOL_VERSION, MetaKey, ModernErrorCode } from '@mcp-switchboard/plugin-api';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, RpcError } from '../util/rpc-error.js';
import { isRecord, type LooseParams } from '../util/schemas.js';

/** Protocol versions served without a session. Legacy versions are served through `initialize` instead. */
export const STATELESS_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION];

/** What a stateless request says about its client, read from its `_meta`. */
export interface RequestMeta {
  readonly protocolVersion: string;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo: { name: string; version: string } | undefined;
  readonly logLevel: string | undefined;
}

/** The reserved keys of the client's hop: the hub owns them and never forwards them downstream. */
const CLIENT_HOP_KEYS: readonly string[] = [MetaKey.protocolVersion, MetaKey.clientCapabilities, MetaKey.clientInfo, MetaKey.logLevel];

/**
 * Reads and checks the per-request protocol fields (spec: basic, "Per-request protocol fields"): a missing or
 * malformed required field is -32602. Whether the version is served is `assertServedVersion`'s question (HTTP
 * checks its headers in between: a header that disagrees with the body is -32020 even for an unknown version).
 */
export function readRequestMeta(params: LooseParams): RequestMeta {
  const meta = params._meta;
  if (!isRecord(meta)) {
    throw new RpcError(ErrorCode.InvalidParams, `Invalid params: "_meta" with "${MetaKey.protocolVersion}" and "${MetaKey.clientCapabilities}" is required`);
  }
  const version = meta[MetaKey.protocolVersion];
  if (typeof version !== 'string' || version.length === 0) {
    throw new RpcError(ErrorCode.InvalidParams, `Invalid params: "_meta.${MetaKey.protocolVersion}" must be a non-empty string`);
  }
  const capabilities = meta[MetaKey.clientCapabilities];
  if (!isRecord(capabilities)) {
    throw new RpcError(ErrorCode.InvalidParams, `Invalid params: "_meta.${MetaKey.clientCapabilities}" must be an object`);
  }
  const info = meta[MetaKey.clientInfo];
  if (info !== undefined && !(isRecord(info) && typeof info.name === 'string' && typeof info.version === 'string')) {
    throw new RpcError(ErrorCode.InvalidParams, `Invalid params: "_meta.${MetaKey.clientInfo}" must be an object with "name" and "version"`);
  }
  const level = meta[MetaKey.logLevel];
  return {
    protocolVersion: version,
    clientCapabilities: capabilities as ClientCapabilities,
    clientInfo: info as RequestMeta['clientInfo'],
    logLevel: typeof level === 'string' ? level : undefined,
  };
}

/**
 * The params to route downstream: without the client hop's reserved `_meta` keys (kept: `progressToken`,
 * `traceparent` and every other key) and without the multi round-trip fields, which only this hop understands.
 */
export function downstreamParams(params: LooseParams): LooseParams {
  const { _meta, inputResponses: _responses, requestState: _state, ...rest } = params;
  if (!isRecord(_meta)) return rest;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(_meta)) if (!CLIENT_HOP_KEYS.includes(key)) kept[key] = value;
  return Object.keys(kept).length ? { ...rest, _meta: kept } : rest;
}

/** A version we do not serve statelessly is -32022, naming the ones we do and echoing the one asked for. */
export function assertServedVersion(meta: RequestMeta): void {
  if (STATELESS_VERSIONS.includes(meta.protocolVersion)) return;
  throw new RpcError(ModernErrorCode.UnsupportedProtocolVersion, 'Unsupported protocol version', {
    supported: [...STATELESS_VERSIONS],
    requested: meta.protocolVersion,
  });
}
