import { MODERN_PROTOCOL_VERSION, MetaKey, ModernErrorCode, type Clock } from '@mcp-switchboard/plugin-api';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isRecord } from '../util/schemas.js';

// The stateless era's version, reserved `_meta` keys and error codes are plugin-api's (the front doors use them
// too); the connection layer keeps its own names for them.
/** The stateless protocol revision the hub speaks to servers that only speak it. */
export const MODERN_VERSION = MODERN_PROTOCOL_VERSION;
/** The reserved `_meta` keys of the 2026-07-28 era (spec: basic, "Per-request protocol fields"). */
export const ReservedMeta = MetaKey;
/** -32022: the server does not speak the requested version; `data.supported` lists those it does. */
export const UNSUPPORTED_PROTOCOL_VERSION = ModernErrorCode.UnsupportedProtocolVersion;

/** What `server/discover` told us about a modern server. */
export interface DiscoverInfo {
  supportedVersions: string[];
  capabilities: Record<string, unknown>;
  instructions: string | undefined;
  serverInfo: { name: string; version: string } | undefined;
}

/**
 * A server's era, probed once per server and remembered. `legacy`: it takes `initialize` (2025-11-25 and before;
 * a dual-era server that also speaks those is treated as legacy: the proven path). `modern`: it speaks only
 * 2026-07-28 (per-request `_meta`, no initialize). `how` says what decided it, for the status.
 */
export type EraVerdict =
  | { era: 'legacy'; how: 'probe-refused' | 'probe-closed' | 'probe-timeout' | 'http-400' | 'dual-era' | 'not-probed' }
  | { era: 'modern'; version: string; how: 'discover' | 'http-400' };

/** What one probe saw. */
export type ProbeOutcome =
  | { kind: 'result'; result: unknown }
  | { kind: 'rpc-error'; code: number; message: string; data?: unknown }
  /** The server closed the link on the probe (a process that exits on any request before initialize). */
  | { kind: 'closed' }
  | { kind: 'timeout' }
  /** HTTP only: the status and body of a non-2xx answer. */
  | { kind: 'http-error'; status: number; body: string };

/** A verdict, or why none can be drawn (then nothing is remembered and the next start probes again). */
export type Classification = { kind: 'verdict'; verdict: EraVerdict } | { kind: 'no-verdict'; reason: string };

/** The legacy versions the SDK client can negotiate through initialize. */
const LEGACY_VERSION = /^20(24|25)-\d\d-\d\d$/;

/** Reads a DiscoverResult; undefined if it is not one. */
export function readDiscover(result: unknown): DiscoverInfo | undefined {
  if (!isRecord(result) || !Array.isArray(result.supportedVersions) || !isRecord(result.capabilities)) return undefined;
  const meta = isRecord(result._meta) ? result._meta : {};
  const info = meta[ReservedMeta.serverInfo];
  return {
    supportedVersions: result.supportedVersions.filter((v): v is string => typeof v === 'string'),
    capabilities: result.capabilities,
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
    serverInfo: isRecord(info) && typeof info.name === 'string' ? { name: info.name, version: String(info.version ?? '') } : undefined,
  };
}

/**
 * The spec's rules (basic/versioning, transports: backward compatibility): a DiscoverResult or a recognized
 * modern error (-32022 naming supported versions) means modern; any other error, a timeout or a close on stdio
 * means legacy. Over HTTP an auth error or a 5xx says nothing about the era: no verdict, never cached.
 */
export function classifyProbe(outcome: ProbeOutcome): Classification {
  const verdict = (v: EraVerdict): Classification => ({ kind: 'verdict', verdict: v });
  switch (outcome.kind) {
    case 'result': {
      const discover = readDiscover(outcome.result);
      if (!discover) return verdict({ era: 'legacy', how: 'probe-refused' });
      return verdict(versionsVerdict(discover.supportedVersions, 'discover'));
    }
    case 'rpc-error':
      return verdict(rpcErrorVerdict(outcome.code, outcome.data, 'discover') ?? { era: 'legacy', how: 'probe-refused' });
    case 'closed':
      return verdict({ era: 'legacy', how: 'probe-closed' });
    case 'timeout':
      return verdict({ era: 'legacy', how: 'probe-timeout' });
    case 'http-error': {
      if (outcome.status === 401 || outcome.status === 403) return { kind: 'no-verdict', reason: `HTTP ${outcome.status} (authorization)` };
      if (outcome.status >= 500) return { kind: 'no-verdict', reason: `HTTP ${outcome.status}` };
      const error = jsonRpcErrorOf(outcome.body);
      const modern = error ? rpcErrorVerdict(error.code, error.data, 'http-400') : undefined;
      return verdict(modern ?? { era: 'legacy', how: 'http-400' });
    }
  }
}

/** Modern if the server lists no legacy version we can negotiate; a dual-era server stays on initialize. */
function versionsVerdict(supported: readonly string[], how: 'discover' | 'http-400'): EraVerdict {
  if (supported.some((v) => LEGACY_VERSION.test(v))) return { era: 'legacy', how: 'dual-era' };
  if (supported.includes(MODERN_VERSION)) return { era: 'modern', version: MODERN_VERSION, how };
  // Modern, but no version we speak: we still speak ours, and its -32022 on each request says why.
  return { era: 'modern', version: MODERN_VERSION, how };
}

function rpcErrorVerdict(code: number, data: unknown, how: 'discover' | 'http-400'): EraVerdict | undefined {
  if (code !== UNSUPPORTED_PROTOCOL_VERSION || !isRecord(data) || !Array.isArray(data.supported)) return undefined;
  return versionsVerdict(
    data.supported.filter((v): v is string => typeof v === 'string'),
    how,
  );
}

function jsonRpcErrorOf(body: string): { code: number; data?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = isRecord(parsed) ? parsed.error : undefined;
    return isRecord(error) && typeof error.code === 'number' ? { code: error.code, data: error.data } : undefined;
  } catch {
    return undefined;
  }
}

/** The `_meta` a request of ours carries to a modern server (it has no session to remember who we are). */
export function modernRequestMeta(clientInfo: { name: string; version: string }, capabilities: Record<string, unknown>): Record<string, unknown> {
  return {
    [ReservedMeta.protocolVersion]: MODERN_VERSION,
    [ReservedMeta.clientCapabilities]: capabilities,
    [ReservedMeta.clientInfo]: clientInfo,
  };
}

const PROBE_ID = 'switchboard-era-probe';

/**
 * Sends `server/discover` on a started transport before anything else and waits for its answer (or the close, or
 * `timeoutMs`). The transport's handlers are restored afterwards, so the SDK client can take it over.
 */
export async function probeOverTransport(
  transport: Transport,
  meta: Record<string, unknown>,
  timing: { timeoutMs: number; clock: Clock },
  signal: AbortSignal,
): Promise<ProbeOutcome> {
  const saved = { onmessage: transport.onmessage, onclose: transport.onclose };
  try {
    return await new Promise<ProbeOutcome>((resolve, reject) => {
      const timer = timing.clock.setTimeout(() => finish({ kind: 'timeout' }), timing.timeoutMs);
      const finish = (outcome: ProbeOutcome) => {
        timing.clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => {
        timing.clock.clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      transport.onclose = () => finish({ kind: 'closed' });
      transport.onmessage = (message: JSONRPCMessage) => {
        if (!('id' in message) || message.id !== PROBE_ID || 'method' in message) return;
        if ('result' in message) finish({ kind: 'result', result: message.result });
        else if ('error' in message) finish({ kind: 'rpc-error', code: message.error.code, message: message.error.message, data: message.error.data });
      };
      transport.send({ jsonrpc: '2.0', id: PROBE_ID, method: 'server/discover', params: { _meta: meta } }).catch(() => finish({ kind: 'closed' }));
    });
  } finally {
    transport.onmessage = saved.onmessage;
    transport.onclose = saved.onclose;
  }
}

/**
 * The era of one server, remembered across its restarts (the spec: cache for the lifetime of the server
 * configuration, re-probe if the assumption later fails). A connection that replaces this one on a config reload
 * starts with a fresh memory (its command or URL may have changed).
 */
export class EraMemory {
  private known: EraVerdict | undefined;
  private info: DiscoverInfo | undefined;

  get verdict(): EraVerdict | undefined {
    return this.known;
  }
  /** What the last `server/discover` said (modern servers only). */
  get discover(): DiscoverInfo | undefined {
    return this.info;
  }

  remember(verdict: EraVerdict, discover?: DiscoverInfo): void {
    this.known = verdict;
    if (discover) this.info = discover;
  }

  /** The remembered era did not hold (its handshake failed): probe again on the next start. */
  forget(): void {
    this.known = undefined;
    this.info = undefined;
  }
}
