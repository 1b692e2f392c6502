import { isRecord } from '../util/schemas.js';
import { MODERN_VERSION, type ProbeOutcome } from './era-probe.js';

/** An HTTP probe that reached no answer (refused, DNS, TLS): says nothing about the era. */
export type HttpProbeOutcome = ProbeOutcome | { kind: 'unreachable'; reason: string };

/**
 * The Streamable HTTP era probe (spec: transports/streamable-http, backward compatibility): one modern request,
 * `server/discover` with its headers. A 2xx carries the answer (JSON, or an SSE stream whose first response is
 * it); any other status is handed to `classifyProbe` with its body (a 400 with a modern JSON-RPC error is modern;
 * an auth error or a 5xx gives no verdict).
 */
export async function probeOverHttp(
  url: string,
  headers: Record<string, string>,
  meta: Record<string, unknown>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HttpProbeOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN_VERSION,
        'mcp-method': 'server/discover',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'switchboard-era-probe', method: 'server/discover', params: { _meta: meta } }),
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    signal.throwIfAborted();
    if (timeout.aborted) return { kind: 'timeout' };
    return { kind: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
  }
  const body = await response.text().catch(() => '');
  if (!response.ok) return { kind: 'http-error', status: response.status, body };
  const message = (response.headers.get('content-type') ?? '').includes('text/event-stream') ? firstSseResponse(body) : parseJson(body);
  if (!isRecord(message)) return { kind: 'http-error', status: response.status, body };
  if (isRecord(message.error) && typeof message.error.code === 'number') {
    return { kind: 'rpc-error', code: message.error.code, message: String(message.error.message ?? ''), data: message.error.data };
  }
  return { kind: 'result', result: message.result };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The first JSON-RPC response among the `data:` events of an SSE body. */
function firstSseResponse(body: string): unknown {
  for (const event of body.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    const message = parseJson(data);
    if (isRecord(message) && ('result' in message || 'error' in message)) return message;
  }
  return undefined;
}
