import { SwitchboardError, type Clock, type Contributed, type DownstreamConnector, type DownstreamLink, type Logger, type ServerDefinition } from '@mcp-switchboard/plugin-api';
import { chooseConnector, connectThrough, connectorTypes, watchCredentialsThrough, type Connectors } from '../plugins/connector-choice.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientNotification, ClientRequest, ClientResult, JSONRPCMessage, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { redact } from '../util/redact.js';
import { errorMessage } from '../util/rpc-error.js';
import { isRecord, looseNotificationSchema, looseRequestSchema, type LooseParams, type LooseRequest, type LooseResult } from '../util/schemas.js';
import type { ListKind } from './list-cache.js';
import { TRANSPORT_FAULT_LIMIT, TRANSPORT_FAULT_WINDOW_MS, formatDuration, needsLogin } from './supervision.js';

/** The `extra` of a downstream server→client request handler. */
export type DownstreamExtra = RequestHandlerExtra<ClientRequest, ClientNotification>;

/** The server→client requests a downstream server may send; the hub relays them to a client. */
export const serverToClientMethods = ['sampling/createMessage', 'elicitation/create', 'roots/list'] as const;
export type ServerToClientMethod = (typeof serverToClientMethods)[number];

/** The capabilities the hub declares downstream: it relays sampling, elicitation and roots to its clients. */
export const downstreamClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/** A connected, initialized link to a server. */
export interface OpenLink {
  readonly client: Client;
  readonly link: DownstreamLink;
  readonly capabilities: ServerCapabilities | undefined;
  readonly instructions: string | undefined;
}

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

  constructor(private readonly options: LinkOpenerOptions) {
    this.id = options.definition.id;
  }

  /**
   * Connects and initializes. `current` turns false when the attempt is abandoned (then it fails); `serving` says
   * whether the link is in service (transport errors before that, like a start-up banner on stdout, are tolerated).
   */
  async open(events: LinkEvents, current: () => boolean, serving: () => boolean): Promise<OpenLink> {
    const { definition, connectMs } = this.options;
    const connector = this.connectorFor(definition);
    const abort = new AbortController();
    this.connecting = abort;
    const timer = this.options.clock.setTimeout(
      () => abort.abort(new Error(`did not connect and initialize within ${connectMs} ms`)),
      Math.min(Math.max(0, connectMs), MAX_TIMEOUT_MS),
    );
    try {
      const connect = connectThrough(this.options.connectors, connector, definition, { logger: this.options.logger, signal: abort.signal });
      const link = await raceAbort(connect, abort.signal, (late) =>
        void late.transport.close().catch(() => undefined),
      );
      this.watchTransport(link.transport, events, current, serving);
      const client = this.createClient(events, current, serving);
      try {
        if (!current()) throw new Error('stopped while connecting');
        await raceAbort(client.connect(link.transport, { signal: abort.signal, timeout: connectMs }), abort.signal);
        if (!current()) throw new Error('stopped while connecting');
      } catch (error) {
        await client.close().catch(() => undefined);
        await link.transport.close().catch(() => undefined);
        throw error;
      }
      this.interceptProgress(link.transport, events);
      return { client, link, capabilities: client.getServerCapabilities(), instructions: client.getInstructions() };
    } finally {
      this.options.clock.clearTimeout(timer);
      if (this.connecting === abort) this.connecting = undefined;
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

  private createClient(events: LinkEvents, current: () => boolean, serving: () => boolean): Client {
    const client = new Client(this.options.clientInfo, { capabilities: downstreamClientCapabilities });
    for (const method of serverToClientMethods) {
      client.setRequestHandler(
        looseRequestSchema(method),
        (request, extra) => events.serverRequest(request as LooseRequest<ServerToClientMethod>, extra) as Promise<ClientResult>,
      );
    }
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
    return client;
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
   * (typescript-sdk#2580). Handling them synchronously here keeps their order relative to the result.
   */
  private interceptProgress(transport: Transport, events: LinkEvents): void {
    const inner = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage, extra) => {
      if ('method' in message && message.method === 'notifications/progress' && !('id' in message)) {
        if (events.progress(isRecord(message.params) ? message.params : {})) return;
      }
      inner?.call(transport, message, extra);
    };
  }
}

/** Races a promise against an abort signal; a value that arrives after the abort goes to `onLate`. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then((value) => onLate?.(value), () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
