import { stableJson, type Clock, type Logger, type ServerDefinition, type SwitchboardConfig } from '@mcp-switchboard/plugin-api';
import type { Connectors } from '../plugins/connector-choice.js';
import type { ServerStatus } from '../types.js';
import { ServerConnection, type ConnectionHooks, type ResolvedTimeouts } from './server-connection.js';
import type { SupervisionSettings } from './supervision.js';

const DEFAULT_TIMEOUTS: ResolvedTimeouts = { connectMs: 60_000, requestMs: 60_000, maxTotalMs: 30 * 60_000 };

export interface ServerSetOptions {
  config: SwitchboardConfig;
  /** The connectors, whose hooks are called through their driver. */
  connectors: Connectors;
  clientInfo: { name: string; version: string };
  logger: Logger;
  hooks: ConnectionHooks;
  supervision: SupervisionSettings;
  clock: Clock;
}

/** What `apply` changed: ids added, removed, and replaced (their definition changed), and the connections to start. */
export interface ServerSetChange {
  added: string[];
  removed: string[];
  changed: string[];
  toStart: ServerConnection[];
}

/**
 * The hub's connections, one per configured server, in id order. `apply` turns the desired definitions into
 * connections: new servers get one, removed ones are stopped, and a server whose definition changed gets a new
 * connection that takes over the old one's standing requests (log level, resource subscriptions).
 */
export class ServerSet {
  private readonly byId = new Map<string, ServerConnection>();
  private sorted: ServerConnection[] = [];

  constructor(private readonly options: ServerSetOptions) {}

  get(id: string): ServerConnection | undefined {
    return this.byId.get(id);
  }

  /** In server id order; a new array after every change (so a waiter can tell the set changed). */
  all(): readonly ServerConnection[] {
    return this.sorted;
  }

  /** Whether `connection` is the one the hub runs for its id (not one already replaced). */
  isCurrent(connection: ServerConnection): boolean {
    return this.byId.get(connection.id) === connection;
  }

  /** Makes the set match `desired` (server id → definition). The caller starts `toStart`. */
  apply(desired: ReadonlyMap<string, ServerDefinition>): ServerSetChange {
    const change: ServerSetChange = { added: [], removed: [], changed: [], toStart: [] };
    for (const [id, connection] of this.byId) {
      if (desired.has(id)) continue;
      change.removed.push(id);
      this.byId.delete(id);
      void connection.stop();
    }
    for (const [id, definition] of desired) {
      const existing = this.byId.get(id);
      if (existing && stableJson(existing.definition) === stableJson(definition)) continue;
      const connection = this.create(definition);
      if (existing) {
        change.changed.push(id);
        // The sessions' log level and resource subscriptions hold on: the new server gets them when ready.
        connection.carryOver(existing);
        void existing.stop();
      } else change.added.push(id);
      this.byId.set(id, connection);
      change.toStart.push(connection);
    }
    if (change.added.length || change.removed.length || change.changed.length) {
      this.sorted = [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return change;
  }

  /** Waits for `wait` of every connection, including ones added while waiting. */
  async settle(wait: (c: ServerConnection) => Promise<void>): Promise<void> {
    for (;;) {
      const current = this.sorted;
      await Promise.all(current.map(wait));
      if (current === this.sorted) return;
    }
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.sorted.map((c) => c.stop()));
  }

  status(): ServerStatus[] {
    return this.sorted.map((c) => {
      const d = c.definition;
      const cache = c.cache;
      const pid = c.pid;
      return {
        id: d.id,
        name: d.name,
        source: d.source,
        transport: d.transport,
        state: c.state,
        ...(c.error !== undefined ? { error: c.error } : {}),
        ...(pid !== undefined ? { pid } : {}),
        tools: cache.tools.length,
        prompts: cache.prompts.length,
        resources: cache.resources.length,
        resourceTemplates: cache.resourceTemplates.length,
        restarts: c.restarts,
        ...(c.nextRetryAt !== undefined ? { nextRetryAt: c.nextRetryAt } : {}),
        ...(c.isIdle ? { idle: true } : {}),
        ...(c.startupMs !== undefined ? { startupMs: c.startupMs } : {}),
      };
    });
  }

  private create(definition: ServerDefinition): ServerConnection {
    const t = this.options.config.timeouts ?? DEFAULT_TIMEOUTS;
    const timeouts: ResolvedTimeouts = {
      connectMs: definition.timeouts?.connectMs ?? t.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
      requestMs: definition.timeouts?.requestMs ?? t.requestMs ?? DEFAULT_TIMEOUTS.requestMs,
      maxTotalMs: definition.timeouts?.maxTotalMs ?? t.maxTotalMs ?? DEFAULT_TIMEOUTS.maxTotalMs,
    };
    return new ServerConnection({
      definition,
      connectors: this.options.connectors,
      timeouts,
      clientInfo: this.options.clientInfo,
      logger: this.options.logger.child({ server: definition.id }),
      hooks: this.options.hooks,
      supervision: this.options.supervision,
      clock: this.options.clock,
    });
  }
}
