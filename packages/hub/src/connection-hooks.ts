import type { Logger, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import type { ConnectionHooks, ServerConnection } from './connections/server-connection.js';
import { relayServerRequest } from './routing/client-requests.js';
import { relayServerLog } from './routing/log-relay.js';
import type { HubSession } from './session/upstream-session.js';

/** What the connection hooks reach in the hub. */
export interface HookHost {
  readonly logger: Logger;
  /** The open sessions by id. */
  readonly sessions: ReadonlyMap<string, HubSession>;
  /** Whether the connection is the one the hub runs for its id (not one a reload replaced). */
  isCurrent(connection: ServerConnection): boolean;
  /** The catalog must be rebuilt. */
  invalidateCatalog(): void;
  emit(event: SwitchboardEvent): void;
}

/**
 * How connections report to the hub: state changes and discovered lists become events and `list_changed` for
 * the sessions that see the server; server→client requests, log messages and resource updates go to sessions.
 */
export function connectionHooks(host: HookHost): ConnectionHooks {
  return {
    stateChanged: (connection) => {
      host.emit({
        type: 'server.state',
        server: connection.definition,
        state: connection.state,
        ...(connection.error !== undefined ? { error: connection.error } : {}),
        at: Date.now(),
      });
    },
    catalogChanged: (connection, kinds, discovered) => {
      if (!host.isCurrent(connection)) return;
      host.invalidateCatalog();
      if (discovered) {
        const { tools, prompts, resources, resourceTemplates } = connection.cache;
        host.emit({
          type: 'server.discovered',
          server: connection.definition,
          catalog: { tools, prompts, resources, resourceTemplates },
          at: Date.now(),
        });
      }
      // The connection passes only lists that changed (a revival with the same lists passes none).
      const relevant = [...kinds];
      if (!relevant.length) return;
      for (const session of host.sessions.values()) {
        if (session.snapshot().serverIds.has(connection.id)) session.queueListChanged(relevant);
      }
    },
    serverRequest: (connection, request, extra) => relayServerRequest(connection, request, extra, () => [...host.sessions.values()]),
    logMessage: (connection, params) => relayServerLog(connection, params, host.sessions, host.logger),
    resourceUpdated: (connection, params) => {
      const uri = params.uri;
      if (typeof uri !== 'string') return;
      for (const session of host.sessions.values()) {
        if (session.subscriptions.get(uri) === connection.id) session.sendResourceUpdated(params);
      }
    },
  };
}
