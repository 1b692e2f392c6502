import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, GetPromptResult, Prompt, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerState, SwitchboardEvent } from './events.js';
import type { ServerDefinition, ServerTransportType } from './server-definition.js';
import type { Logger } from './services.js';
import type { StatelessRequest, StatelessRequestOptions, StatelessResponse } from './stateless.js';

/** Something that can be cleaned up. The kernel calls it on stop, newest first, with a timeout. */
export interface Disposable {
  dispose?(): void | Promise<void>;
  /**
   * Read-only facts the plugin wants its host (and tests) to see, e.g. `{ port: 41234 }` for a server it bound.
   * Read with `kernel.info(pluginId)`; never used for routing. Any kind of contribution may have it.
   */
  info?(): Readonly<Record<string, unknown>>;
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
  /**
   * Serves one request of the stateless era (MCP 2026-07-28, see `isModernRequest`) without a session: always
   * resolves with the JSON-RPC response to send. Optional so older hosts still satisfy the interface.
   */
  serveStateless?(request: StatelessRequest, options?: StatelessRequestOptions): Promise<StatelessResponse>;
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
  /**
   * Headers the hub's era probe of a remote server (`server/discover`, sent before `connect`) carries besides the
   * configured ones: the credentials `connect` would use (a stored OAuth access token), so a protected server that
   * speaks only MCP 2026-07-28 is recognised as such instead of answering 401.
   */
  probeHeaders?(server: ServerDefinition): Promise<Record<string, string>>;
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
// middleware (plugin API 2.0): transforms lists and wraps calls
// ---------------------------------------------------------------------------------------------------------

/** A tool or prompt as a middleware sees it while the catalog is built (one view, e.g. a profile, at a time). */
export interface ListedItem<T extends Tool | Prompt> {
  /** The server it comes from. */
  readonly server: ServerDefinition;
  /** The name the server gave it. */
  readonly originalName: string;
  /** The name clients will see so far: the hub's `<server>__<tool>`, or an earlier middleware's rename. */
  readonly exposedName: string;
  /** The definition as exposed so far (exposed name, titles, `_meta`). */
  readonly definition: T;
  /** The profile (workspace) whose view is being built; undefined for the default view. */
  readonly profile: string | undefined;
}

/**
 * What a middleware's `tool()`/`prompt()` may answer. `false`: hidden (neither listed nor callable).
 * An object: changes to apply (each field optional); `listed: false` keeps it callable (by `call_tool`-style
 * meta-tools and clients that know the name) without listing it. `undefined`/`true`: unchanged.
 */
export type ListedItemChange =
  | boolean
  | undefined
  | void
  | {
      /** The name clients see and call. The hub keeps routing it to (server, original name). */
      readonly name?: string;
      readonly title?: string;
      readonly description?: string;
      /** Merged over the item's annotations (tools only). */
      readonly annotations?: Tool['annotations'];
      /** False: callable but not listed. */
      readonly listed?: boolean;
    };

/** One tool call, as middleware sees it before and after it is forwarded. */
export interface MiddlewareCall {
  readonly callId: string;
  readonly sessionId: string;
  /** The server that answers it; undefined for a virtual tool. */
  readonly server: ServerDefinition | undefined;
  /** The server's own name for the tool (for a virtual tool, its name). */
  readonly tool: string;
  /** The name the client called. */
  readonly exposedName: string;
  /** The arguments as they will be sent (after earlier middleware's rewrites). */
  readonly arguments: Record<string, unknown> | undefined;
}

/**
 * What `beforeToolCall` decides. `continue`: go on, with `arguments` replacing the call's when given.
 * `refuse`: answer the client with an error result carrying `code` (your own, e.g. `PIN_CHANGED`), `message`
 * and `fix`; emits `call.refused` naming your plugin. `answer`: reply with `result` without forwarding
 * (a cache). Returning nothing is `continue` unchanged. Throwing a SwitchboardError refuses with its code;
 * anything else thrown is a bug in the plugin (an internal error naming it).
 */
export type CallDecision =
  | { readonly action: 'continue'; readonly arguments?: Record<string, unknown> }
  | { readonly action: 'refuse'; readonly code: string; readonly message: string; readonly fix?: string }
  | { readonly action: 'answer'; readonly result: CallToolResult };

/** A callable tool of the current view, as the hub routes it (for meta-tools such as `search_tools`). */
export interface CallableTool {
  readonly exposedName: string;
  /** Undefined for a virtual tool. */
  readonly serverId: string | undefined;
  readonly originalName: string;
  readonly definition: Tool;
  /** False for a tool that is callable but not listed. */
  readonly listed: boolean;
}

/** What a virtual tool's handler may use: the session's catalog, and calls through the normal routing. */
export interface VirtualToolContext {
  readonly sessionId: string;
  readonly callId: string;
  /** Every callable tool of the session's view (listed or not), virtual ones included. */
  tools(): readonly CallableTool[];
  /** Calls a tool by its exposed name, through every middleware and filter, as if the client had called it. */
  callTool(exposedName: string, args: Record<string, unknown> | undefined): Promise<CallToolResult>;
}

/** A tool a middleware adds and answers itself. Its name is exposed as given (no server prefix). */
export interface VirtualTool {
  readonly definition: Tool;
  call(args: Record<string, unknown> | undefined, context: VirtualToolContext): Promise<CallToolResult>;
}

/** A prompt a middleware adds and answers itself. */
export interface VirtualPrompt {
  readonly definition: Prompt;
  get(args: Record<string, string> | undefined): Promise<GetPromptResult>;
}

/**
 * Transforms what clients see and wraps what they call (Rollup-style: hooks return new values). List hooks run
 * when the catalog is built, in plugin order (`enforce: 'pre'`, config order, `'post'`), each seeing the previous
 * one's output; call hooks run on every call, `beforeToolCall` in that order and `afterToolCall` in reverse.
 * The hub keeps the routing map from exposed names to (server, original name); filters, reporters, errors and
 * `mcp-switchboard list` show both names.
 */
export interface MiddlewareContribution extends Disposable {
  /** Hide, rename, retitle, re-describe or re-annotate a tool. Keep it pure and cheap: it runs on every rebuild. */
  tool?(item: ListedItem<Tool>): ListedItemChange;
  /** The same for a prompt (`annotations` is ignored). */
  prompt?(item: ListedItem<Prompt>): ListedItemChange;
  /** Tools this plugin adds and answers itself, asked on every rebuild (call `onChange`'s listener to rebuild). */
  virtualTools?(): readonly VirtualTool[];
  /** Prompts this plugin adds and answers itself. */
  virtualPrompts?(): readonly VirtualPrompt[];
  /** Before a tool call is forwarded: rewrite its arguments, refuse it with a code, or answer it. */
  beforeToolCall?(call: MiddlewareCall): CallDecision | undefined | void | Promise<CallDecision | undefined | void>;
  /** After the answer came back: return a replacement result (transform, redact), or nothing to keep it. */
  afterToolCall?(call: MiddlewareCall, result: CallToolResult): CallToolResult | undefined | void | Promise<CallToolResult | undefined | void>;
  /** Lets the middleware announce that its answers changed, so the catalog is rebuilt. Returns an unsubscribe function. */
  onChange?(listener: () => void): () => void;
}

// ---------------------------------------------------------------------------------------------------------
// service (plugin API 2.0): a plugin that only provides services to other plugins
// ---------------------------------------------------------------------------------------------------------

/** A `service` plugin contributes nothing to the hub itself: only what it `provides` (and `dispose`/`info`). */
export type ServiceContribution = Disposable;

// ---------------------------------------------------------------------------------------------------------

export interface PluginContributions {
  'config-source': ConfigSource;
  transport: TransportContribution;
  filter: FilterContribution;
  reporter: ReporterContribution;
  middleware: MiddlewareContribution;
  service: ServiceContribution;
}

export type PluginKind = keyof PluginContributions;
/**
 * Every kind, in the order their phases are set up when dependencies do not decide: services first (others use
 * them), then sources, reporters (so no event is missed), filters, middleware, and transports (front doors) last.
 */
export const pluginKinds: readonly PluginKind[] = ['service', 'config-source', 'reporter', 'filter', 'middleware', 'transport'];
