import { z } from 'zod';

/** How Switchboard reaches a downstream server. */
export const serverTransportTypes = ['stdio', 'streamable-http', 'sse', 'websocket', 'in-process'] as const;
export type ServerTransportType = (typeof serverTransportTypes)[number];

/** Per-server time limits, in milliseconds. Unset values fall back to the config's `timeouts`. */
export interface ServerTimeouts {
  /** Spawn/connect plus `initialize`. */
  connectMs?: number;
  /** One request; reset by progress notifications. */
  requestMs?: number;
  /** Cap on one request, progress or not. */
  maxTotalMs?: number;
  /** Per tool (original name): overrides `requestMs` / `maxTotalMs` for calls of that tool. */
  tools?: Record<string, { requestMs?: number; maxTotalMs?: number }>;
}

interface ServerDefinitionBase {
  /** Unique id: the config key (or the source's stable id). */
  id: string;
  /** Display name used in logs and tables. */
  name: string;
  /** Namespace prefix for exposed tool and prompt names; defaults to `id`. An empty string exposes names unprefixed. */
  prefix?: string;
  /** Which config source produced it (`file`, `env`, `pluggedin`, ...). */
  source: string;
  /** Disabled servers are known but never started. */
  enabled: boolean;
  timeouts?: ServerTimeouts;
  /** Extra instructions appended to the server's own. */
  instructions?: string;
  /**
   * How calls of different client sessions share this server. `auto` (default): they overlap until the server
   * first asks a client something (sampling, elicitation), then take turns so each request reaches the session
   * that caused it; `strict`: they take turns from the start.
   */
  isolateSessions?: 'auto' | 'strict';
  /** Stop the server after this long without a call and start it again on the next one. Unset: never. */
  idleTimeoutMs?: number;
  /** Ping the server this often; failed pings count as a failure. Unset: the config's `supervision.pingIntervalMs`. */
  pingIntervalMs?: number;
  /** Free-form data a source keeps with its servers (e.g. a remote uuid). Not used for routing. */
  meta?: Record<string, unknown>;
}

export interface StdioServerDefinition extends ServerDefinitionBase {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export interface RemoteServerDefinition extends ServerDefinitionBase {
  transport: 'streamable-http' | 'sse' | 'websocket';
  url: string;
  headers: Record<string, string>;
  /** Resume a streamable-HTTP session. */
  sessionId?: string;
  /** True when the config gave only a `url`: try streamable HTTP, fall back to SSE. */
  autoDetect?: boolean;
  /**
   * OAuth 2.1 login for this server (`mcp-switchboard auth <id>`). Unset: used when the server asks for it (a 401
   * with OAuth metadata); `false`: never (the server is reached with `headers` only).
   */
  oauth?: RemoteServerOAuth | false;
}

/** A remote server's OAuth client settings. Tokens are never here: they live in the user's config dir. */
export interface RemoteServerOAuth {
  /** A client registered by hand with the authorization server (when it offers no dynamic registration). */
  clientId?: string;
  /** That client's secret (use `${env:VAR}`); unset for a public client. */
  clientSecret?: string;
  /** Scopes to ask for when the server does not say which it needs. */
  scopes?: string[];
  /** An https URL of this client's metadata document, for servers that accept URL client ids. */
  clientMetadataUrl?: string;
}

/**
 * A server a plugin runs inside the proxy process (e.g. built-in tools). The connector that `accepts` it returns
 * a linked in-memory transport; `meta` tells the connector which server this is.
 */
export interface InProcessServerDefinition extends ServerDefinitionBase {
  transport: 'in-process';
}

export type ServerDefinition = StdioServerDefinition | RemoteServerDefinition | InProcessServerDefinition;

const stringRecord = z.record(z.string(), z.string());

/**
 * One entry of `mcpServers`, in the Claude Desktop format plus Switchboard's extras. Sources that read this
 * format (file, env) share it so a server means the same thing wherever it is written.
 */
export const mcpServerEntrySchema = z
  .object({
    command: z.string().min(1, 'command must not be empty').optional(),
    args: z.array(z.string()).optional(),
    env: stringRecord.optional(),
    cwd: z.string().optional(),
    type: z.enum(['stdio', 'streamable-http', 'streamableHttp', 'http', 'sse', 'websocket', 'ws']).optional(),
    url: z.string().url('url must be an absolute URL such as http://127.0.0.1:3000/mcp').optional(),
    headers: stringRecord.optional(),
    sessionId: z.string().optional(),
    /** OAuth client settings (remote servers); `false` turns the login off. */
    oauth: z
      .union([
        z.literal(false),
        z
          .object({
            clientId: z.string().min(1).optional(),
            clientSecret: z.string().min(1).optional(),
            scopes: z.array(z.string().min(1)).optional(),
            clientMetadataUrl: z.string().url().startsWith('https://', 'clientMetadataUrl must be an https URL').optional(),
          })
          .strict(),
      ])
      .optional(),
    disabled: z.boolean().optional(),
    enabled: z.boolean().optional(),
    prefix: z.string().min(1).optional(),
    description: z.string().optional(),
    instructions: z.string().optional(),
    timeoutMs: z.number().int().positive().optional(),
    connectTimeoutMs: z.number().int().positive().optional(),
    maxTotalTimeoutMs: z.number().int().positive().optional(),
    isolateSessions: z.enum(['auto', 'strict']).optional(),
    idleTimeoutMs: z.number().int().positive().optional(),
    pingIntervalMs: z.number().int().positive().optional(),
    /** Per-tool settings, by original tool name. */
    tools: z
      .record(z.string(), z.object({ timeoutMs: z.number().int().positive().optional(), maxTotalTimeoutMs: z.number().int().positive().optional() }).strict())
      .optional(),
  })
  .loose()
  .superRefine((entry, ctx) => {
    const remote = entry.type !== undefined && entry.type !== 'stdio';
    if (remote && !entry.url) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `a "${entry.type}" server needs a "url"` });
    }
    if (!remote && !entry.url && !entry.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a server needs a "command" (stdio) or a "url" (remote)' });
    }
  });

export type McpServerEntry = z.infer<typeof mcpServerEntrySchema>;

function remoteType(entry: McpServerEntry): RemoteServerDefinition['transport'] | undefined {
  switch (entry.type) {
    case 'streamable-http':
    case 'streamableHttp':
    case 'http':
      return 'streamable-http';
    case 'sse':
      return 'sse';
    case 'websocket':
    case 'ws':
      return 'websocket';
    default:
      return undefined;
  }
}

/** Turns a validated `mcpServers` entry into a server definition. */
export function serverFromEntry(id: string, entry: McpServerEntry, source: string): ServerDefinition {
  const timeouts: ServerTimeouts = {};
  if (entry.connectTimeoutMs) timeouts.connectMs = entry.connectTimeoutMs;
  if (entry.timeoutMs) timeouts.requestMs = entry.timeoutMs;
  if (entry.maxTotalTimeoutMs) timeouts.maxTotalMs = entry.maxTotalTimeoutMs;
  if (entry.tools) {
    const tools: NonNullable<ServerTimeouts['tools']> = {};
    for (const [tool, limits] of Object.entries(entry.tools)) {
      tools[tool] = {
        ...(limits.timeoutMs ? { requestMs: limits.timeoutMs } : {}),
        ...(limits.maxTotalTimeoutMs ? { maxTotalMs: limits.maxTotalTimeoutMs } : {}),
      };
    }
    timeouts.tools = tools;
  }
  const base = {
    id,
    name: id,
    source,
    enabled: entry.enabled ?? !entry.disabled,
    ...(entry.prefix ? { prefix: entry.prefix } : {}),
    ...(Object.keys(timeouts).length ? { timeouts } : {}),
    ...(entry.instructions ? { instructions: entry.instructions } : {}),
    ...(entry.isolateSessions ? { isolateSessions: entry.isolateSessions } : {}),
    ...(entry.idleTimeoutMs ? { idleTimeoutMs: entry.idleTimeoutMs } : {}),
    ...(entry.pingIntervalMs ? { pingIntervalMs: entry.pingIntervalMs } : {}),
  };
  const type = remoteType(entry);
  if (type || (entry.url && !entry.command)) {
    return {
      ...base,
      transport: type ?? 'streamable-http',
      url: entry.url!,
      headers: entry.headers ?? {},
      ...(entry.sessionId ? { sessionId: entry.sessionId } : {}),
      ...(type ? {} : { autoDetect: true }),
      ...(entry.oauth !== undefined ? { oauth: entry.oauth } : {}),
    };
  }
  return {
    ...base,
    transport: 'stdio',
    command: entry.command!,
    args: entry.args ?? [],
    env: entry.env ?? {},
    ...(entry.cwd ? { cwd: entry.cwd } : {}),
  };
}
