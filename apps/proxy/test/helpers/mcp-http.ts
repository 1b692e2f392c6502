/**
 * A bare Streamable HTTP client (2025-era sessions) over fetch: one POST, one answer, status and headers in view.
 * The tests of replicas and load balancers need to see exactly which request got which status, which the SDK
 * client hides; every request has a time limit, so "never a hang" is checked, not hoped for.
 */

export interface RpcReply {
  status: number;
  /** The `Mcp-Session-Id` the answer carries (set on initialize). */
  sessionId: string | undefined;
  /** The JSON-RPC message answering the request (from a JSON body or an SSE stream), if any. */
  message: { result?: unknown; error?: { code: number; message: string } } | undefined;
}

export const PROTOCOL_2025 = '2025-06-18';
let sequence = 0;

/** POSTs one JSON-RPC message to `url` (an `/mcp` endpoint) within `timeoutMs`. */
export function postRpc(url: string, body: { method: string; params?: object; id?: number | null }, sessionId?: string, timeoutMs = 15_000): Promise<RpcReply> {
  const isNotification = body.id === null;
  const message = {
    jsonrpc: '2.0',
    method: body.method,
    ...(body.params ? { params: body.params } : {}),
    ...(isNotification ? {} : { id: body.id ?? ++sequence }),
  };
  const headers: Record<string, string> = sessionId ? { 'Mcp-Session-Id': sessionId, 'Mcp-Protocol-Version': PROTOCOL_2025 } : {};
  return postWithHeaders(url, message, headers, timeoutMs);
}

function parseAnswer(text: string, contentType: string | null): RpcReply['message'] {
  if (text.trim() === '') return undefined;
  if (contentType?.includes('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => JSON.parse(line.slice(5)) as RpcReply['message'] & { id?: unknown });
    return data.find((m) => m && ('result' in m || 'error' in m));
  }
  return JSON.parse(text) as RpcReply['message'];
}

/** Opens a 2025-era session: initialize, then notifications/initialized. Returns the reply of initialize. */
export async function openSession(url: string, name = 'bare-client'): Promise<RpcReply & { sessionId: string }> {
  const reply = await postRpc(url, {
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_2025, capabilities: {}, clientInfo: { name, version: '1.0.0' } },
  });
  if (reply.status !== 200 || !reply.sessionId) throw new Error(`initialize answered ${reply.status}: ${JSON.stringify(reply.message)}`);
  const initialized = await postRpc(url, { method: 'notifications/initialized', id: null }, reply.sessionId);
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`);
  return { ...reply, sessionId: reply.sessionId };
}

/** The text of a tools/call result ('' when there is none). */
export function resultText(reply: RpcReply): string {
  const content = (reply.message?.result as { content?: Array<{ text?: string }> } | undefined)?.content;
  return content?.map((c) => c.text ?? '').join('') ?? '';
}

export const PROTOCOL_2026 = '2026-07-28';

/**
 * POSTs one MCP 2026-07-28 request (no session): the per-request `_meta` fields and the headers the era requires
 * (`MCP-Protocol-Version`, `Mcp-Method`, and `Mcp-Name` for calls, gets and reads).
 */
export function postModern(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  capabilities: Record<string, unknown> = {},
  timeoutMs = 15_000,
): Promise<RpcReply> {
  const name = method === 'resources/read' ? params.uri : params.name;
  const meta = {
    'io.modelcontextprotocol/protocolVersion': PROTOCOL_2026,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    'io.modelcontextprotocol/clientInfo': { name: 'bare-2026-client', version: '1.0.0' },
  };
  return postWithHeaders(
    url,
    { jsonrpc: '2.0', id: ++sequence, method, params: { ...params, _meta: meta } },
    { 'MCP-Protocol-Version': PROTOCOL_2026, 'Mcp-Method': method, ...(typeof name === 'string' ? { 'Mcp-Name': name } : {}) },
    timeoutMs,
  );
}

async function postWithHeaders(url: string, message: object, headers: Record<string, string>, timeoutMs: number): Promise<RpcReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return {
    status: response.status,
    sessionId: response.headers.get('mcp-session-id') ?? undefined,
    message: parseAnswer(text, response.headers.get('content-type')),
  };
}
