import { ModernErrorCode } from '@mcp-switchboard/plugin-api';
import { RpcError } from '../util/rpc-error.js';
import { isRecord, type LooseParams } from '../util/schemas.js';

/** HTTP request headers with lower-case names, as Node gives them. */
export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Methods whose `Mcp-Name` header mirrors `params.name` (or `params.uri` for resources/read). */
const NAMED_METHODS: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

const SENTINEL = /^=\?base64\?(.*)\?=$/s;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Visible ASCII, space and tab (RFC 9110 field values). */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

function mismatch(message: string): RpcError {
  return new RpcError(ModernErrorCode.HeaderMismatch, `Header mismatch: ${message}`);
}

function single(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw mismatch(`${name} must be sent once`);
  if (!FIELD_VALUE.test(value)) throw mismatch(`${name} contains characters a header value cannot carry`);
  return value.trim();
}

/** A header value with the Base64 sentinel (`=?base64?...?=`) decoded; strict Base64, as SEP-2243's table says. */
export function decodeHeaderValue(name: string, value: string): string {
  const match = SENTINEL.exec(value);
  if (!match) return value;
  const encoded = match[1]!;
  if (!BASE64.test(encoded)) throw mismatch(`${name} is not valid Base64 inside =?base64?...?=`);
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The string a body value is carried as in a header (SEP-2243 "Type conversion"), or undefined for none. */
function headerForm(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function sameValue(header: string, body: unknown): boolean {
  // Integers compare numerically ("42.0" and 42 are equal).
  if (typeof body === 'number') return header.trim() !== '' && Number(header) === body;
  return header === headerForm(body);
}

/** The `x-mcp-header` annotations of a tool's input schema: header suffix → property path (properties only). */
export function mirroredParameters(inputSchema: unknown): Array<{ header: string; path: string[] }> {
  const found: Array<{ header: string; path: string[] }> = [];
  const walk = (schema: unknown, path: string[]) => {
    if (!isRecord(schema) || !isRecord(schema.properties)) return;
    for (const [key, property] of Object.entries(schema.properties)) {
      if (!isRecord(property)) continue;
      if (typeof property['x-mcp-header'] === 'string') found.push({ header: property['x-mcp-header'], path: [...path, key] });
      walk(property, [...path, key]);
    }
  };
  walk(inputSchema, []);
  return found;
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let current = args;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * Checks the headers the Streamable HTTP transport mirrors from the body (spec: transports/streamable-http,
 * "Request Metadata" and "Server Validation"): `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, and for a
 * tool call the `Mcp-Param-*` headers its input schema asks for. Anything missing, malformed or different is
 * -32020 (HeaderMismatch).
 */
export function checkHttpHeaders(
  headers: HttpHeaders,
  method: string,
  params: LooseParams,
  protocolVersion: string,
  toolSchema: (name: string) => unknown,
): void {
  const version = single(headers, 'mcp-protocol-version');
  if (version === undefined) throw mismatch('the MCP-Protocol-Version header is required');
  if (version !== protocolVersion) throw mismatch(`MCP-Protocol-Version header '${version}' does not match the body's '${protocolVersion}'`);

  const methodHeader = single(headers, 'mcp-method');
  if (methodHeader === undefined) throw mismatch('the Mcp-Method header is required');
  if (methodHeader !== method) throw mismatch(`Mcp-Method header '${methodHeader}' does not match the body's '${method}'`);

  const nameField = NAMED_METHODS[method];
  if (nameField === undefined) return;
  const rawName = single(headers, 'mcp-name');
  if (rawName === undefined) throw mismatch(`the Mcp-Name header is required for ${method}`);
  const name = decodeHeaderValue('Mcp-Name', rawName);
  if (name !== params[nameField]) throw mismatch(`Mcp-Name header '${name}' does not match the body's ${nameField}`);

  if (method !== 'tools/call' || typeof params.name !== 'string') return;
  for (const { header, path } of mirroredParameters(toolSchema(params.name))) {
    const headerName = `mcp-param-${header.toLowerCase()}`;
    const raw = single(headers, headerName);
    const body = valueAt(params.arguments, path);
    if (body === undefined || body === null) continue;
    if (raw === undefined) throw mismatch(`the Mcp-Param-${header} header is required when "${path.join('.')}" is given`);
    const decoded = decodeHeaderValue(`Mcp-Param-${header}`, raw);
    if (!sameValue(decoded, body)) throw mismatch(`Mcp-Param-${header} header does not match the body's "${path.join('.')}"`);
  }
}
