import { MetaKey, type StatelessNotification } from '@mcp-switchboard/plugin-api';
import type { ConnectionHooks, ListKind, ServerConnection } from '../connections/server-connection.js';
import type { HubContext } from '../context.js';
import type { Router } from '../routing/router.js';
import { errorMessage } from '../util/rpc-error.js';
import { isRecord, type LooseParams, type LooseResult } from '../util/schemas.js';
import type { StatelessSession } from './stateless-session.js';

/** What a `subscriptions/listen` stream asked for (spec: basic/patterns/subscriptions, "Notification Filter"). */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

interface Listener {
  readonly subscriptionId: string | number;
  readonly session: StatelessSession;
  readonly filter: ListenFilter;
  notify(notification: StatelessNotification): void;
  /** Ends the stream gracefully (the hub is stopping). */
  end(): void;
}

const FLAG_OF: Record<ListKind, keyof ListenFilter> = {
  tools: 'toolsListChanged',
  prompts: 'promptsListChanged',
  resources: 'resourcesListChanged',
};

/**
 * The open `subscriptions/listen` streams of stateless clients: list changes of the servers in a stream's view and
 * updates of the resources it subscribed to reach it, tagged with its subscription id; nothing it did not ask for.
 */
export class Subscriptions {
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly ctx: HubContext,
    private readonly router: Router,
  ) {}

  /**
   * Serves one stream: acknowledges what it will honour (resource subscriptions that could not be set up are left
   * out), then delivers until `signal` aborts (the client left) or the hub stops (graceful end: the result).
   */
  async listen(
    subscriptionId: string | number,
    session: StatelessSession,
    params: LooseParams,
    notify: (notification: StatelessNotification) => void,
    signal: AbortSignal | undefined,
  ): Promise<LooseResult> {
    const asked = isRecord(params.notifications) ? params.notifications : {};
    const filter: ListenFilter = {};
    for (const flag of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const) if (asked[flag] === true) filter[flag] = true;
    if (Array.isArray(asked.resourceSubscriptions)) {
      const uris: string[] = [];
      for (const uri of asked.resourceSubscriptions) {
        if (typeof uri !== 'string') continue;
        try {
          await this.router.subscribe(session, { uri });
          uris.push(uri);
        } catch (error) {
          this.ctx.logger.debug('a subscriptions/listen resource could not be subscribed', { uri, error: errorMessage(error) });
        }
      }
      filter.resourceSubscriptions = uris;
    }
    const tag = { [MetaKey.subscriptionId]: subscriptionId };
    notify({ method: 'notifications/subscriptions/acknowledged', params: { _meta: tag, notifications: filter } });

    try {
      await new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const listener: Listener = {
          subscriptionId,
          session,
          filter,
          notify: (notification) => notify({ method: notification.method, params: { ...notification.params, _meta: tag } }),
          end: resolve,
        };
        this.listeners.add(listener);
        signal?.addEventListener('abort', () => resolve(), { once: true });
        const cleanup = () => this.listeners.delete(listener);
        signal?.addEventListener('abort', cleanup, { once: true });
        listener.end = () => {
          cleanup();
          resolve();
        };
      });
    } finally {
      for (const listener of this.listeners) if (listener.session === session) this.listeners.delete(listener);
      this.router.releaseAll(session);
    }
    return { _meta: tag };
  }

  /** Lists of `serverId` (every server when undefined) changed. */
  listChanged(serverId: string | undefined, kinds: Iterable<ListKind>): void {
    const changed = [...kinds];
    for (const listener of this.listeners) {
      if (serverId !== undefined && !listener.session.snapshot().serverIds.has(serverId)) continue;
      for (const kind of changed) {
        if (listener.filter[FLAG_OF[kind]] === true) listener.notify({ method: `notifications/${kind}/list_changed` });
      }
    }
  }

  resourceUpdated(serverId: string, params: LooseParams): void {
    const uri = params.uri;
    if (typeof uri !== 'string') return;
    for (const listener of this.listeners) {
      if (listener.session.subscriptions.get(uri) === serverId) listener.notify({ method: 'notifications/resources/updated', params });
    }
  }

  /** Ends every stream gracefully (the hub is stopping). */
  endAll(): void {
    for (const listener of [...this.listeners]) listener.end();
  }
}

/**
 * The hub's connection hooks, also telling open `subscriptions/listen` streams about list changes and resource
 * updates (of connections the hub still runs). `subscriptions` is read late: the hooks exist before the dispatcher.
 */
export function withListeners(
  hooks: ConnectionHooks,
  subscriptions: () => Subscriptions | undefined,
  isCurrent: (connection: ServerConnection) => boolean,
): ConnectionHooks {
  return {
    ...hooks,
    catalogChanged: (connection, kinds, discovered) => {
      hooks.catalogChanged(connection, kinds, discovered);
      if (kinds.size && isCurrent(connection)) subscriptions()?.listChanged(connection.id, kinds);
    },
    resourceUpdated: (connection, params) => {
      hooks.resourceUpdated(connection, params);
      subscriptions()?.resourceUpdated(connection.id, params);
    },
  };
}
