import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Prompt, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerState, SwitchboardEvent } from './events.js';
import type { ServerDefinition, ServerTransportType } from './server-definition.js';
import type { Logger } from './services.js';

/** Something that can be cleaned up. The kernel calls it on stop, newest first, with a timeout. */
export interface Disposable {
  dispose?(): void | Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// config-source
// ---------------------------------------------------------------------------------------------------------

/** Supplies server definitions. Several sources merge by server id; later sources win. */
export interface ConfigSource extends Disposable {
  /** Loads the current servers. Throwing (a SwitchboardError ideally) is reported; other sources keep serving. */
  load(): Promise<ServerDefinition[]>;
  /** Optional push of later changes (polling, file watching). Returns an unsubscribe function. */
  watch?(onChange: (servers: ServerDefinition[]) => void): () => void;
}

// ---------------------------------------------------------------------------------------------------------
// transport: an upstream front door and/or downstream connectors
// ---------------------------------------------------------------------------------------------------------

/** One connected client session, created by the host for a front door. */
export interface UpstreamSession {
  readonly id: string;
  close(): Promise<void>;
  /** Called once when the session ends, whoever ended it. */
  onClose(listener: () => void): void;
}

export interface UpstreamSessionOptions {
  /** Serve only this profile's servers (a workspace). Unset: the selected or default set. */
  profile?: string;
  /** Session id, when the front door assigns one (e.g. `Mcp-Session-Id`). */
  sessionId?: string;
}

/** What the hub offers a front door: it turns an MCP server transport into a session. */
export interface UpstreamHost {
  /** Connects an (unstarted) MCP server-side transport as a new client session over the shared hub. */
  connect(transport: Transport, options?: UpstreamSessionOptions): Promise<UpstreamSession>;
  /** The names of the configured profiles (workspaces). */
  profiles(): string[];
  /** True once config is loaded and the startup budget is spent. */
  isReady(): boolean;
  /** A front door whose only client went away (stdin closed) asks the process to stop gracefully. */
  requestShutdown(reason: string): void;
  /** Each server's state, for health endpoints and diagnostics (no secrets). */
  servers?(): ServerHealth[];
}

/** One server's health as a front door may publish it. */
export interface ServerHealth {
  id: string;
  state: ServerState;
  /** Why it is failed or restarting, redacted. */
  error?: string;
  tools: number;
  restarts: number;
}

/** A front door: how clients reach Switchboard (stdio, Streamable HTTP, ...). */
export interface UpstreamTransport {
  /** The value of `--transport` that selects it. */
  readonly name: string;
  /** Starts accepting clients. Called last, after every server has been asked to start. */
  start(host: UpstreamHost): Promise<void>;
  /** Stops accepting, lets in-flight work drain, closes sessions. Idempotent. */
  stop(): Promise<void>;
  /** A short description of where it listens, for the start-up summary ("stdio", "http://127.0.0.1:12006/mcp"). */
  describe?(): string;
}

export interface ConnectContext {
  logger: Logger;
  /** Aborted when the hub gives up on this connection attempt or is stopping. */
  signal: AbortSignal;
}

/** A live link to a downstream server: an MCP client-side transport not yet started. */
export interface DownstreamLink {
  readonly transport: Transport;
  /** The child's pid, for stdio servers, once started. */
  readonly pid?: number | undefined;
}

/** Opens links to downstream servers of the given transport types. */
export interface DownstreamConnector {
  readonly types: readonly ServerTransportType[];
  /** Optional finer choice among connectors of the same type (e.g. the plugin's own in-process servers). */
  accepts?(server: ServerDefinition): boolean;
  connect(server: ServerDefinition, context: ConnectContext): Promise<DownstreamLink>;
  /**
   * For a server whose link failed with SWB_NEEDS_AUTH (state `needs-auth`): calls `onChange` when its
   * credentials may have changed (a login was stored, e.g. by `mcp-switchboard auth` in another process), so
   * the hub tries again at once instead of waiting. Returns a function that stops watching.
   */
  watchCredentials?(server: ServerDefinition, onChange: () => void): () => void;
}

export interface TransportContribution extends Disposable {
  upstream?: UpstreamTransport;
  connectors?: DownstreamConnector[];
}

// ---------------------------------------------------------------------------------------------------------
// filter
// ---------------------------------------------------------------------------------------------------------

export interface ToolCallContext {
  server: ServerDefinition;
  /** Original (downstream) tool name. */
  tool: string;
  /** The exposed name the client used. */
  exposedName: string;
  arguments: Record<string, unknown> | undefined;
  sessionId: string;
}

/**
 * Shapes the catalog and guards calls. Visibility is decided when the catalog is built (never per request);
 * a hidden item cannot be called either.
 */
export interface FilterContribution extends Disposable {
  /** Return false to hide a tool. Throwing hides it too, with a warning naming the plugin. */
  tool?(server: ServerDefinition, tool: Tool): boolean;
  /** Return false to hide a prompt. */
  prompt?(server: ServerDefinition, prompt: Prompt): boolean;
  /**
   * Runs before a visible tool is forwarded. Throw a SwitchboardError (SWB_TOOL_DENIED) to refuse the call: the
   * client reads your message, code and fix. Anything else thrown is reported as a bug in your plugin.
   */
  beforeToolCall?(call: ToolCallContext): void | Promise<void>;
  /** Lets the filter announce that its rules changed, so the catalog is rebuilt. Returns an unsubscribe function. */
  onChange?(listener: () => void): () => void;
}

// ---------------------------------------------------------------------------------------------------------
// reporter
// ---------------------------------------------------------------------------------------------------------

/** Receives events off the hot path: the kernel queues them (bounded), so a slow reporter never delays a call. */
export interface ReporterContribution extends Disposable {
  onEvent(event: SwitchboardEvent): void | Promise<void>;
  /** Called on stop, before dispose: write out what is queued. */
  flush?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------

export interface PluginContributions {
  'config-source': ConfigSource;
  transport: TransportContribution;
  filter: FilterContribution;
  reporter: ReporterContribution;
}

export type PluginKind = keyof PluginContributions;
export const pluginKinds: readonly PluginKind[] = ['config-source', 'reporter', 'filter', 'transport'];
