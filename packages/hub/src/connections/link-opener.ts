import {
  SwitchboardError,
  type Clock,
  type Contributed,
  type DownstreamConnector,
  type DownstreamLink,
  type Logger,
  type ServerDefinition,
} from '@mcp-switchboard/plugin-api';
import { chooseConnector, connectThrough, connectorTypes, probeHeadersThrough, watchCredentialsThrough, type Connectors } from '../plugins/connector-choice.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Protocol, RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  type ClientNotification,
  type ClientRequest,
  type ClientResult,
  type JSONRPCMessage,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { raceAbort } from '../util/race-abort.js';
import { redact } from '../util/redact.js';
import { errorMessage } from '../util/rpc-error.js';
import {
  LooseResultSchema,
  isRecord,
  looseNotificationSchema,
  looseRequestSchema,
  type LooseParams,
  type LooseRequest,
  type LooseResult,
} from '../util/schemas.js';
import { EraMemory, MODERN_VERSION, readDiscover, type DiscoverInfo, type EraVerdict } from './era-probe.js';
import { EraProber } from './era-prober.js';
import { ModernLinkClient, legacyLinkClient, type LinkClient } from './link-client.js';
import type { ListKind } from './list-cache.js';
import { DirectRequests } from './direct-requests.js';
import { ListenStream, listChangesOffered, offersResourceSubscriptions } from './listen-stream.js';
import { TRANSPORT_FAULT_LIMIT, TRANSPORT_FAULT_WINDOW_MS, formatDuration, needsLogin } from './supervision.js';
import { lazyJsonSchemaValidator } from '../util/lazy-json-schema-validator.js';

/**
 * The SDK's client side, loaded with the first link (~13 ms of module loading): a proxy answers its client's
 * `initialize` before it opens any link, so that answer does not wait for it.
 */
let loadingClient: Promise<typeof import('@modelcontextprotocol/sdk/client/index.js')> | undefined;
const sdkClient = () => (loadingClient ??= import('@modelcontextprotocol/sdk/client/index.js'));

/** The `extra` of a downstream server→client request handler. */
export type DownstreamExtra = RequestHandlerExtra<ClientRequest, ClientNotification>;

/** The server→client requests a downstream server may send; the hub relays them to a client. */
export const serverToClientMethods = ['sampling/createMessage', 'elicitation/create', 'roots/list'] as const;
export type ServerToClientMethod = (typeof serverToClientMethods)[number];

/** The capabilities the hub declares downstream: it relays sampling, elicitation and roots to its clients. */
export const downstreamClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/** A connected, initialized link to a server. */
export interface OpenLink {
  readonly client: LinkClient;
  /** A 2025-era link's relayed requests, written to its transport past the SDK client (see DirectRequests). */
  readonly direct: DirectRequests | undefined;
  readonly link: DownstreamLink;
  readonly capabilities: ServerCapabilities | undefined;
  readonly instructions: string | undefined;
  /** The server's era: a `legacy` link was initialized, a `modern` one speaks 2026-07-28 per request. */
  readonly era: EraVerdict;
  /** One ping (legacy links only: the 2026-07-28 era has none). */
  readonly ping: ((timeoutMs: number) => Promise<void>) | undefined;
  /** Modern links: the subscriptions/listen stream (list changes, resource updates) where the server offers it. */
  readonly listen: ListenStream | undefined;
}

/** What clients asked of a server that a 2026-era link carries itself (see StandingRequests). */
export interface StandingState {
  readonly uris: readonly string[];
  readonly logLevel: string | undefined;
}
const noStanding: StandingState = { uris: [], logLevel: undefined };

/** What one link reports. The opener calls these only while the link is current. */
export interface LinkEvents {
  serverRequest(request: LooseRequest<ServerToClientMethod>, extra: DownstreamExtra): Promise<LooseResult>;
  listChanged(kind: ListKind): void;
  logMessage(params: LooseParams): void;
  resourceUpdated(params: LooseParams): void;
  /** The link closed (the process exited, the link dropped). */
  closed(): void;
  /** The link reported repeated transport errors while serving: it is faulty. */
  faulty(reason: string, error: Error): void;
  /** Each `notifications/progress` before the SDK sees it; true if it was one of ours (then it goes no further). */
  progress(params: Record<string, unknown>): boolean;
}

export interface LinkOpenerOptions {
  definition: ServerDefinition;
  /** The connectors, whose hooks are called through their driver. */
  connectors: Connectors;
  connectMs: number;
  clientInfo: { name: string; version: string };
  logger: Logger;
  clock: Clock;
}

const listChangedNotifications: Array<[string, ListKind]> = [
  ['notifications/tools/list_changed', 'tools'],
  ['notifications/prompts/list_changed', 'prompts'],
  ['notifications/resources/list_changed', 'resources'],
];

/**
 * Opens links to one server: picks the connector, connects and initializes within `connectMs`, and watches the
 * link (its notifications, its closing, its transport errors, the progress of our requests).
 */
export class LinkOpener {
  private connecting: AbortController | undefined;
  private readonly id: string;
  /** The server's era, probed once and kept across restarts (see EraMemory). */
  readonly era = new EraMemory();
  private readonly prober: EraProber;

  constructor(private readonly options: LinkOpenerOptions) {
    this.id = options.definition.id;
    this.prober = new EraProber(options, this.era, downstreamClientCapabilities);
  }

  /**
   * Connects and initializes (or, for a 2026-07-28 server, discovers). `current` turns false when the attempt is
   * abandoned (then it fails); `serving` says whether the link is in service (transport errors before that, like a
   * start-up banner on stdout, are tolerated); `standing` gives what clients asked that a 2026-era link carries
   * itself (the subscribed resource URIs, the log level).
   */
  async open(events: LinkEvents, current: () => boolean, serving: () => boolean, standing: StandingState = noStanding): Promise<OpenLink> {
    const { definition, connectMs } = this.options;
    const connector = this.connectorFor(definition);
    const abort = new AbortController();
    this.connecting = abort;
    const timer = this.options.clock.setTimeout(
      () => abort.abort(new Error(`did not connect and initialize within ${connectMs} ms`)),
      Math.min(Math.max(0, connectMs), MAX_TIMEOUT_MS),
    );
    const connect = () =>
      raceAbort(
        connectThrough(this.options.connectors, connector, definition, { logger: this.options.logger, signal: abort.signal }),
        abort.signal,
        (late) => void late.transport.close().catch(() => undefined),
      );
    let probed = false;
    try {
      if (this.era.verdict === undefined && definition.transport === 'streamable-http') {
        probed = true;
        const credentials = await probeHeadersThrough(this.options.connectors, connector, definition, this.options.logger);
        await this.prober.probeHttp(definition.url, { ...definition.headers, ...credentials }, abort.signal);
      }
      let link = await connect();
      if (this.era.verdict === undefined && definition.transport === 'stdio') {
        probed = true;
        link = await this.prober.probeStdio(link, connect, abort.signal);
      }
      const era = this.era.verdict ?? { era: 'legacy', how: 'not-probed' };
      this.watchTransport(link.transport, events, current, serving);
      try {
        if (!current()) throw new Error('stopped while connecting');
        const open =
          era.era === 'modern'
            ? await this.openModern(link, era, events, current, serving, standing, abort.signal, probed)
            : await this.openLegacy(link, era, events, current, serving, abort.signal);
        if (!current()) {
          open.listen?.close();
          await open.client.close().catch(() => undefined);
          throw new Error('stopped while connecting');
        }
        this.intercept(link.transport, events, open.direct);
        return open;
      } catch (error) {
        await link.transport.close().catch(() => undefined);
        // A remembered era whose handshake the server refused (an error answer, not a crash or a silence) may be
        // wrong now, as after an upgrade: probe again next time.
        if (!probed && current() && refusedHandshake(error)) this.era.forget();
        throw error;
      }
    } finally {
      this.options.clock.clearTimeout(timer);
      if (this.connecting === abort) this.connecting = undefined;
    }
  }

  private async openLegacy(
    link: DownstreamLink,
    era: EraVerdict,
    events: LinkEvents,
    current: () => boolean,
    serving: () => boolean,
    signal: AbortSignal,
  ): Promise<OpenLink> {
    const client = this.createClient((await sdkClient()).Client, events, current, serving);
    try {
      await raceAbort(client.connect(link.transport, { signal, timeout: this.options.connectMs }), signal);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    return {
      client: legacyLinkClient(client),
      direct: new DirectRequests(client, link.transport),
      link,
      capabilities: client.getServerCapabilities(),
      instructions: client.getInstructions(),
      era,
      ping: async (timeoutMs) => void (await client.ping({ timeout: Math.min(timeoutMs, MAX_TIMEOUT_MS) })),
      listen: undefined,
    };
  }

  /** A 2026-07-28 link: no initialize; `server/discover` gives the capabilities, a listen stream the changes. */
  private async openModern(
    link: DownstreamLink,
    era: EraVerdict,
    events: LinkEvents,
    current: () => boolean,
    serving: () => boolean,
    standing: StandingState,
    signal: AbortSignal,
    justProbed: boolean,
  ): Promise<OpenLink> {
    const client = new ModernLinkClient(this.options.clientInfo, downstreamClientCapabilities, () => standing.logLevel);
    this.watchClient(client.protocol, events, current, serving);
    // Streamable HTTP: the version travels in the MCP-Protocol-Version header too (the connector adds Mcp-Method).
    (link.transport as { setProtocolVersion?: (version: string) => void }).setProtocolVersion?.(MODERN_VERSION);
    try {
      await raceAbort(client.connect(link.transport), signal);
      let discover: DiscoverInfo | undefined = justProbed ? this.era.discover : undefined;
      if (!discover) {
        const result = await raceAbort(
          client.request({ method: 'server/discover' }, LooseResultSchema, { signal, timeout: Math.min(this.options.connectMs, MAX_TIMEOUT_MS) }),
          signal,
        );
        discover = readDiscover(result);
        if (!discover) throw new Error('server/discover returned no supportedVersions and capabilities');
        this.era.remember(era, discover);
      }
      const capabilities = discover.capabilities as ServerCapabilities;
      const listen = new ListenStream(
        client,
        listChangesOffered(discover.capabilities),
        offersResourceSubscriptions(discover.capabilities),
        this.options.logger,
        this.id,
      );
      listen.listen(standing.uris);
      return { client, direct: undefined, link, capabilities, instructions: discover.instructions, era, ping: undefined, listen };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  /** The connector's watch for a stored login (a remote server in `needs-auth`); a no-op when it has none. */
  watchCredentials(onChange: () => void): () => void {
    let connector: Contributed<DownstreamConnector>;
    try {
      connector = this.connectorFor(this.options.definition);
    } catch {
      return () => undefined;
    }
    return watchCredentialsThrough(this.options.connectors, connector, this.options.definition, onChange, this.options.logger);
  }

  /** Abandons a connect in progress. */
  abort(reason: string): void {
    this.connecting?.abort(new Error(reason));
    this.connecting = undefined;
  }

  /** Closes a link (closing a stdio link ends its process). Never rejects. */
  async close(open: OpenLink | undefined): Promise<void> {
    try {
      open?.listen?.close();
      await open?.client.close();
    } catch (error) {
      this.options.logger.debug(`server "${this.id}": error while closing`, { server: this.id, error: errorMessage(error) });
    }
  }

  /** The first connector for this transport type that accepts the server (a plugin may claim only its own). */
  private connectorFor(definition: ServerDefinition): Contributed<DownstreamConnector> {
    const connector = chooseConnector(this.options.connectors, definition, this.options.logger);
    if (connector) return connector;
    const known = connectorTypes(this.options.connectors);
    throw new SwitchboardError('SWB_CONNECTOR_MISSING', `no connector for transport "${definition.transport}" (loaded: ${known.join(', ') || 'none'})`);
  }

  private createClient(SdkClient: typeof Client, events: LinkEvents, current: () => boolean, serving: () => boolean): Client {
    const client = new SdkClient(this.options.clientInfo, { capabilities: downstreamClientCapabilities, jsonSchemaValidator: lazyJsonSchemaValidator() });
    for (const method of serverToClientMethods) {
      client.setRequestHandler(
        looseRequestSchema(method),
        (request, extra) => events.serverRequest(request as LooseRequest<ServerToClientMethod>, extra) as Promise<ClientResult>,
      );
    }
    this.watchClient(client, events, current, serving);
    return client;
  }

  /**
   * The notifications both eras deliver (a modern server only on its listen stream), and the link's end. `client`
   * is the SDK Client or the modern link's Protocol: they differ only in the message types they send.
   */
  private watchClient(client: Protocol<any, any, any>, events: LinkEvents, current: () => boolean, serving: () => boolean): void {
    for (const [method, kind] of listChangedNotifications) {
      client.setNotificationHandler(looseNotificationSchema(method), () => {
        if (current()) events.listChanged(kind);
      });
    }
    client.setNotificationHandler(looseNotificationSchema('notifications/message'), (n) => {
      if (current()) events.logMessage((n.params ?? {}) as LooseParams);
    });
    client.setNotificationHandler(looseNotificationSchema('notifications/resources/updated'), (n) => {
      if (current()) events.resourceUpdated((n.params ?? {}) as LooseParams);
    });
    client.onclose = () => {
      if (current() && serving()) events.closed();
    };
    client.onerror = (error) => {
      if (!current()) return;
      this.options.logger.debug(`server "${this.id}": protocol error`, { server: this.id, error: redact(errorMessage(error), this.options.definition) });
    };
  }

  /**
   * Transport errors (not the SDK's protocol errors) are counted while the link is serving: TRANSPORT_FAULT_LIMIT of
   * them within TRANSPORT_FAULT_WINDOW_MS (garbage on stdout, a stream error) mean a faulty link.
   */
  private watchTransport(transport: Transport, events: LinkEvents, current: () => boolean, serving: () => boolean): void {
    const previous = transport.onerror;
    let faults: number[] = [];
    transport.onerror = (error: Error) => {
      previous?.call(transport, error);
      if (!current()) return;
      this.options.logger.debug(`server "${this.id}": transport error`, { server: this.id, error: redact(errorMessage(error), this.options.definition) });
      if (!serving()) return;
      // A serving link whose login was refused (revoked, expired refresh): one is enough, it will not get better.
      if (needsLogin(error)) return events.faulty(errorMessage(error), error);
      const now = this.options.clock.now();
      faults = faults.filter((t) => now - t < TRANSPORT_FAULT_WINDOW_MS);
      faults.push(now);
      if (faults.length >= TRANSPORT_FAULT_LIMIT) {
        const count = faults.length;
        faults = [];
        events.faulty(
          `server "${this.id}" reported ${count} transport errors within ${formatDuration(TRANSPORT_FAULT_WINDOW_MS)} (last: ${errorMessage(error)}); its link is faulty`,
          error,
        );
      }
    };
  }

  /**
   * Progress notifications for our tokens are taken off the transport before the SDK sees them: the SDK's own
   * progress handling replaces the token and drops a notification sent just before the result
   * (typescript-sdk#2580). Handling them synchronously here keeps their order relative to the result. Answers to
   * relayed requests are taken off too (DirectRequests), and they fail when the link closes, after the SDK's own.
   */
  private intercept(transport: Transport, events: LinkEvents, direct: DirectRequests | undefined): void {
    const inner = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage, extra) => {
      if ('method' in message && message.method === 'notifications/progress' && !('id' in message)) {
        if (events.progress(isRecord(message.params) ? message.params : {})) return;
      }
      if (direct?.take(message)) return;
      inner?.call(transport, message, extra);
    };
    const innerClose = transport.onclose;
    transport.onclose = () => {
      innerClose?.call(transport);
      direct?.closed();
    };
  }
}

/** The server answered the handshake (initialize, or server/discover) with a JSON-RPC error of its own. */
function refusedHandshake(error: unknown): boolean {
  return error instanceof McpError && error.code !== ErrorCode.ConnectionClosed && error.code !== ErrorCode.RequestTimeout;
}
