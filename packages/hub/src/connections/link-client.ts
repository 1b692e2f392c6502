import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Protocol, type RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientNotification, ClientRequest, Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js';
import { isRecord, type LooseParams, type LooseRequest, type LooseResult, type LooseResultSchema } from '../util/schemas.js';
import { ReservedMeta, modernRequestMeta } from './era-probe.js';

/** What the connection layer asks of a link's client, whichever era the server speaks. */
export interface LinkClient {
  request(request: LooseRequest, schema: typeof LooseResultSchema, options?: RequestOptions): Promise<LooseResult>;
  notification(notification: LooseRequest): Promise<void>;
  close(): Promise<void>;
}

/** The reserved keys of the client's hop: ours to set, never a client's to pass on. */
const CLIENT_HOP_KEYS: readonly string[] = [ReservedMeta.protocolVersion, ReservedMeta.clientCapabilities, ReservedMeta.clientInfo, ReservedMeta.logLevel];

/** `params` with the reserved client-hop `_meta` keys taken out and `own` put in (other keys, like traceparent, stay). */
export function ownMeta(params: LooseParams | undefined, own: Record<string, unknown>): LooseParams | undefined {
  // This runs for every relayed call: one spread of params (V8 clones a plain object cheaply), plain loops for _meta.
  const meta = params !== undefined && isRecord(params._meta) ? params._meta : undefined;
  let merged: Record<string, unknown> | undefined;
  if (meta) for (const key of Object.keys(meta)) if (!CLIENT_HOP_KEYS.includes(key)) put((merged ??= {}), key, meta[key]);
  for (const key of Object.keys(own)) put((merged ??= {}), key, own[key]);
  if (params === undefined) return merged ? { _meta: merged } : undefined;
  // Copied key by key, not spread and then given `_meta`: adding a key to a spread copy of an object JSON.parse made
  // (the client's params) makes V8 promote every such copy to the old generation, with all it holds, at the next
  // scavenge: measured at ~125 KB per scavenge on the proxy with 32 calls in flight, and in a 15-line script
  // (apps/bench/README.md, "Sixth round"). A copy built key by key is freed young.
  const rest: LooseParams = {};
  for (const key of Object.keys(params)) if (key !== '_meta') put(rest, key, params[key]);
  if (merged) rest._meta = merged;
  return rest;
}

/** Sets an own property, as a spread would (an assignment to `__proto__` would set the prototype instead). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A 2025-era link: the SDK client after initialize. The session carries who we are; reserved keys are dropped. */
export function legacyLinkClient(client: Client): LinkClient {
  const strip = (request: LooseRequest) => {
    const params = ownMeta(request.params, {});
    return params === undefined ? { method: request.method } : { method: request.method, params };
  };
  return {
    request: (request, schema, options) => client.request(strip(request) as ClientRequest, schema, options),
    notification: (notification) => client.notification(notification as ClientNotification),
    close: () => client.close(),
  };
}

/** The SDK's JSON-RPC machinery with nothing to assert: a modern server sends no requests. */
class ModernProtocol extends Protocol<Request, Notification, Result> {
  protected assertCapabilityForMethod(): void {}
  protected assertNotificationCapability(): void {}
  protected assertRequestHandlerCapability(): void {}
  protected assertTaskCapability(): void {}
  protected assertTaskHandlerCapability(): void {}
}

/**
 * A 2026-07-28 link: no initialize, no session. The SDK's Protocol does the JSON-RPC (ids, responses, timeouts,
 * cancellation); this stamps every request with the per-request fields (`protocolVersion`, `clientCapabilities`,
 * `clientInfo`) so the server knows who asks, and keeps every other `_meta` key (progressToken, traceparent).
 */
export class ModernLinkClient implements LinkClient {
  /** For notification handlers and the link's close/error callbacks. */
  readonly protocol = new ModernProtocol();
  private readonly meta: Record<string, unknown>;

  /** `logLevel` gives the level a client asked for: this era has no logging/setLevel, the level travels per request. */
  constructor(
    clientInfo: { name: string; version: string },
    capabilities: Record<string, unknown>,
    private readonly logLevel: () => string | undefined = () => undefined,
  ) {
    this.meta = modernRequestMeta(clientInfo, capabilities);
  }

  connect(transport: Transport): Promise<void> {
    return this.protocol.connect(transport);
  }

  request(request: LooseRequest, schema: typeof LooseResultSchema, options?: RequestOptions): Promise<LooseResult> {
    const level = this.logLevel();
    const params = ownMeta(request.params, level === undefined ? this.meta : { ...this.meta, [ReservedMeta.logLevel]: level });
    return this.protocol.request({ method: request.method, ...(params ? { params } : {}) } as Request, schema, options);
  }

  notification(notification: LooseRequest): Promise<void> {
    return this.protocol.notification(notification as Notification);
  }

  close(): Promise<void> {
    return this.protocol.close();
  }
}
