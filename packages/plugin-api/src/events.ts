import type { ServerDefinition } from './server-definition.js';

/**
 * Where a downstream server is in its life. `needs-auth`: a remote server that wants an OAuth login
 * (`mcp-switchboard auth <server>`); not a failure, the other servers keep serving.
 */
export type ServerState = 'starting' | 'ready' | 'restarting' | 'failed' | 'needs-auth' | 'stopped' | 'disabled';

/** What a server exposes, as discovered (original names). */
export interface ServerCatalog {
  tools: Array<{ name: string; description?: string; inputSchema: unknown }>;
  prompts: Array<{ name: string; description?: string }>;
  resources: Array<{ uri: string; name: string }>;
  resourceTemplates: Array<{ uriTemplate: string; name: string }>;
}

export type CallKind = 'tool' | 'prompt' | 'resource';

export type SwitchboardEvent =
  | { type: 'server.state'; server: ServerDefinition; state: ServerState; error?: string; at: number }
  | { type: 'server.discovered'; server: ServerDefinition; catalog: ServerCatalog; at: number }
  | {
      type: 'call.started';
      callId: string;
      sessionId: string;
      server: ServerDefinition;
      kind: CallKind;
      /** Original (downstream) name or URI. */
      item: string;
      /** The name the client used (after renames), for tools and prompts; the URI for resources. */
      exposedName?: string;
      arguments?: Record<string, unknown>;
      at: number;
    }
  | {
      type: 'call.finished';
      callId: string;
      sessionId: string;
      server: ServerDefinition;
      kind: CallKind;
      item: string;
      /** The name the client used (after renames), for tools and prompts; the URI for resources. */
      exposedName?: string;
      arguments?: Record<string, unknown>;
      success: boolean;
      error?: string;
      durationMs: number;
      at: number;
    }
  | {
      /** A plugin (filter or middleware) refused a call before it was forwarded; no `call.started` is emitted. */
      type: 'call.refused';
      callId: string;
      sessionId: string;
      /** Undefined for a virtual tool (one a middleware answers itself). */
      server?: ServerDefinition;
      kind: CallKind;
      /** Original (downstream) name. */
      item: string;
      exposedName: string;
      arguments?: Record<string, unknown>;
      /** The id of the plugin that refused, and the code and message it gave. */
      plugin: string;
      code: string;
      message: string;
      at: number;
    }
  | {
      /** A client asked for a name that is not in its catalog (nor hidden, nor held for a server that is down). */
      type: 'call.unknown';
      sessionId: string;
      kind: CallKind;
      /** The name or URI the client used. */
      name: string;
      at: number;
    }
  | {
      /**
       * Delivered to one reporter only: events were dropped from its queue because it fell behind. `dropped` since
       * the last such event, `total` since start.
       */
      type: 'events.dropped';
      dropped: number;
      total: number;
      at: number;
    }
  | { type: 'catalog.changed'; tools: number; prompts: number; resources: number; at: number }
  | { type: 'config.changed'; added: string[]; removed: string[]; changed: string[]; at: number };

export type SwitchboardEventType = SwitchboardEvent['type'];
