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
      arguments?: Record<string, unknown>;
      success: boolean;
      error?: string;
      durationMs: number;
      at: number;
    }
  | { type: 'catalog.changed'; tools: number; prompts: number; resources: number; at: number }
  | { type: 'config.changed'; added: string[]; removed: string[]; changed: string[]; at: number };

export type SwitchboardEventType = SwitchboardEvent['type'];
