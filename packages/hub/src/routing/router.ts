import { randomUUID } from 'node:crypto';
import { PluginHookError, type CallToolResult, type VirtualPrompt, type VirtualToolContext } from '@mcp-switchboard/plugin-api';
import { ownerOfUri, type CatalogEntry, type CatalogSnapshot, type ToolEntry } from '../catalog/catalog.js';
import type { RoutableConnection as ServerConnection } from '../connections/routable-connection.js';
import type { HubContext } from '../context.js';
import type { Listing } from '../pagination.js';
import { listPage } from '../catalog/list-page.js';
import { refusalOrBug } from '../plugins/tool-call-guard.js';
import { runToolCall } from './call-pipeline.js';
import { forwardOptions, toolCallParams } from './forward-options.js';
import { relayToolCall } from './tool-call-relay.js';
import { trackedCall } from './tracked-call.js';
import { unknownItem } from './unknown-item.js';
import { ErrorCode, RpcError, errorMessage, switchboardRpcError } from '../util/rpc-error.js';
import { isRecord, type LooseParams, type LooseResult } from '../util/schemas.js';
import type { SessionRef, UpstreamExtra } from '../connections/session-lanes.js';
import type { ForwardOptions } from '../connections/request-forwarder.js';
import type { DirectOutcome } from '../connections/direct-requests.js';

/** JSON-RPC code the MCP spec gives "resource not found". */
const RESOURCE_NOT_FOUND = -32002;

/** The per-session facts routing reads. */
export interface RoutedSession extends SessionRef {
  /** The catalog view this session sees. */
  readonly view: string;
  snapshot(): CatalogSnapshot;
  /** URI → server id of this session's resource subscriptions. */
  readonly subscriptions: Map<string, string>;
  logLevel: string | undefined;
  /** Records the definitions a list answer came from, so a later list_changed for the same lists can be skipped. */
  noteListed(definitions: readonly unknown[]): void;
}

function requireString(params: LooseParams, key: string, method: string): string {
  const value = params[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new RpcError(ErrorCode.InvalidParams, `${method}: "${key}" must be a non-empty string`);
  }
  return value;
}

/**
 * Stateless request routing shared by every session: each handler is a catalog lookup and one downstream request.
 */
export class Router {
  constructor(private readonly ctx: HubContext) {}

  // ---------------------------------------------------------------------------------------------------------
  // Lists: answered from the snapshot, never with downstream I/O.
  // ---------------------------------------------------------------------------------------------------------

  async listTools(session: RoutedSession, params: LooseParams): Promise<LooseResult> {
    await this.ctx.waitForStartup();
    const snapshot = session.snapshot();
    snapshot.giveOutNames();
    return this.page(session, snapshot.listings.tools, params);
  }

  async listPrompts(session: RoutedSession, params: LooseParams): Promise<LooseResult> {
    await this.ctx.waitForStartup();
    const snapshot = session.snapshot();
    snapshot.giveOutNames();
    return this.page(session, snapshot.listings.prompts, params);
  }

  async listResources(session: RoutedSession, params: LooseParams): Promise<LooseResult> {
    await this.ctx.waitForStartup();
    return this.page(session, session.snapshot().listings.resources, params);
  }

  async listResourceTemplates(session: RoutedSession, params: LooseParams): Promise<LooseResult> {
    await this.ctx.waitForStartup();
    return this.page(session, session.snapshot().listings.resourceTemplates, params);
  }

  /** One page of a list, under the list's own key (`tools`, `prompts`, ...). */
  private page<T>(session: RoutedSession, listing: Listing<T>, params: LooseParams): LooseResult {
    session.noteListed(listing.items);
    return listPage(listing, params.cursor, this.ctx.config.pageSize);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Tools and prompts
  // ---------------------------------------------------------------------------------------------------------

  /**
   * No async functions on the way to the server (here, `callToolNamed`, `runToolCall` without plugins): each one
   * wrapping the next costs the answer three turns of the microtask queue.
   */
  callTool(session: RoutedSession, params: LooseParams, extra: UpstreamExtra): Promise<LooseResult> {
    try {
      const name = requireString(params, 'name', 'tools/call');
      const args = isRecord(params.arguments) ? params.arguments : undefined;
      return this.callToolNamed(session, name, args, params, extra);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A tools/call without a promise on its way, when nothing needs one (see relayToolCall); false: use `callTool`. */
  relayToolCall(session: RoutedSession, params: LooseParams, extra: UpstreamExtra, done: (outcome: DirectOutcome) => void): boolean {
    return relayToolCall(this.ctx, session, params, extra, done);
  }

  /** A tool call by exposed name: from the client, or from a virtual tool's handler (`context.callTool`). */
  private callToolNamed(
    session: RoutedSession,
    name: string,
    args: Record<string, unknown> | undefined,
    params: LooseParams,
    extra: UpstreamExtra,
  ): Promise<LooseResult> {
    const found = this.lookup(session, 'tool', name);
    if (found instanceof Promise) return found.then((entry) => this.callToolEntry(session, entry as ToolEntry, args, params, extra));
    return this.callToolEntry(session, found as ToolEntry, args, params, extra);
  }

  private callToolEntry(
    session: RoutedSession,
    entry: ToolEntry,
    args: Record<string, unknown> | undefined,
    params: LooseParams,
    extra: UpstreamExtra,
  ): Promise<LooseResult> {
    const connection = entry.virtual ? undefined : this.readyConnection(entry.serverId);
    const callId = randomUUID();
    return runToolCall(
      this.ctx,
      { callId, sessionId: session.id, entry, server: connection?.definition, arguments: args },
      {
        forward: (sent) =>
          trackedCall(this.ctx, session, connection!, 'tool', entry, sent, callId, () =>
            connection!.forward(
              'tools/call',
              toolCallParams(params, entry.originalName, sent),
              this.forwardOptions(session, extra, `tools/call "${entry.originalName}"`, params, entry.originalName),
            ),
          ),
        virtualContext: (): VirtualToolContext => ({
          sessionId: session.id,
          callId,
          tools: () =>
            [...session.snapshot().toolsByName.values()].map((t) => ({
              exposedName: t.exposedName,
              serverId: t.virtual ? undefined : t.serverId,
              originalName: t.originalName,
              definition: t.definition,
              listed: t.listed !== false,
            })),
          callTool: async (target, targetArgs) =>
            (await this.callToolNamed(
              session,
              target,
              targetArgs,
              { name: target, ...(targetArgs ? { arguments: targetArgs } : {}) },
              extra,
            )) as CallToolResult,
        }),
      },
    );
  }

  async getPrompt(session: RoutedSession, params: LooseParams, extra: UpstreamExtra): Promise<LooseResult> {
    const name = requireString(params, 'name', 'prompts/get');
    const found = this.lookup(session, 'prompt', name);
    const entry = found instanceof Promise ? await found : found;
    const args = isRecord(params.arguments) ? params.arguments : undefined;
    if (entry.virtual) return this.virtualPrompt(entry, args);
    const connection = this.readyConnection(entry.serverId);
    return trackedCall(this.ctx, session, connection, 'prompt', entry, args, randomUUID(), () =>
      connection.forward(
        'prompts/get',
        { ...params, name: entry.originalName },
        this.forwardOptions(session, extra, `prompts/get "${entry.originalName}"`, params),
      ),
    );
  }

  /** A prompt a middleware answers itself; its failure is answered like a hook's (refusal or internal error). */
  private async virtualPrompt(entry: CatalogEntry, args: Record<string, unknown> | undefined): Promise<LooseResult> {
    const { pluginId, item } = entry.virtual!;
    try {
      return (await (item as VirtualPrompt).get(args as Record<string, string> | undefined)) as LooseResult;
    } catch (thrown) {
      const refusal = refusalOrBug(
        new PluginHookError(pluginId, 'get', thrown),
        'middleware',
        'get',
        { tool: entry.exposedName, server: undefined },
        this.ctx.logger,
      );
      throw switchboardRpcError(ErrorCode.InvalidParams, 'SWB_TOOL_DENIED', refusal.message, { plugin: pluginId, code: refusal.code });
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Resources
  // ---------------------------------------------------------------------------------------------------------

  async readResource(session: RoutedSession, params: LooseParams, extra: UpstreamExtra): Promise<LooseResult> {
    const uri = requireString(params, 'uri', 'resources/read');
    const candidates = await this.resourceCandidates(session, uri);
    let lastError: unknown;
    for (const connection of candidates) {
      try {
        return await trackedCall(this.ctx, session, connection, 'resource', { originalName: uri, exposedName: uri }, undefined, randomUUID(), () =>
          connection.forward('resources/read', params, this.forwardOptions(session, extra, `resources/read "${uri}"`, params)),
        );
      } catch (error) {
        lastError = error;
        if (candidates.length === 1 || extra.signal.aborted) throw error;
      }
    }
    throw lastError;
  }

  async subscribe(session: RoutedSession, params: LooseParams): Promise<LooseResult> {
    const uri = requireString(params, 'uri', 'resources/subscribe');
    if (session.subscriptions.has(uri)) return {};
    const candidates = await this.resourceCandidates(session, uri);
    const connection = candidates.length === 1 ? candidates[0]! : (candidates.find((c) => c.capabilities?.resources?.subscribe) ?? candidates[0]!);
    session.subscriptions.set(uri, connection.id);
    try {
      await connection.retainSubscription(uri);
    } catch (error) {
      session.subscriptions.delete(uri);
      throw error;
    }
    return {};
  }

  async unsubscribe(session: RoutedSession, params: LooseParams): Promise<LooseResult> {
    const uri = requireString(params, 'uri', 'resources/unsubscribe');
    const serverId = session.subscriptions.get(uri);
    if (serverId === undefined) return {};
    session.subscriptions.delete(uri);
    await this.ctx.connection(serverId)?.releaseSubscription(uri);
    return {};
  }

  /** Drops every subscription of a closing session. */
  releaseAll(session: RoutedSession): void {
    for (const [uri, serverId] of session.subscriptions) {
      this.ctx
        .connection(serverId)
        ?.releaseSubscription(uri)
        .catch((error: unknown) => this.ctx.logger.debug('unsubscribe on session close failed', { uri, server: serverId, error: errorMessage(error) }));
    }
    session.subscriptions.clear();
  }

  /**
   * Servers to ask for a URI, in order: its owner (listed resource or matching template); else the only
   * resources-capable server; else every resources-capable server by id.
   */
  private async resourceCandidates(session: RoutedSession, uri: string): Promise<ServerConnection[]> {
    let snapshot = session.snapshot();
    let owner = ownerOfUri(snapshot, uri);
    if (owner === undefined && !this.ctx.startupDone()) {
      await this.ctx.waitForStartup();
      snapshot = session.snapshot();
      owner = ownerOfUri(snapshot, uri);
    }
    if (owner !== undefined) return [this.readyConnection(owner)];
    const capable = this.ctx.connections().filter((c) => snapshot.serverIds.has(c.id) && c.servesLists && c.capabilities?.resources);
    if (capable.length === 0) {
      throw new RpcError(RESOURCE_NOT_FOUND, `Resource not found: "${uri}" (no ready server offers resources)`, { uri });
    }
    return capable;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Completion and logging
  // ---------------------------------------------------------------------------------------------------------

  async complete(session: RoutedSession, params: LooseParams, extra: UpstreamExtra): Promise<LooseResult> {
    const ref = params.ref;
    if (!isRecord(ref)) throw new RpcError(ErrorCode.InvalidParams, 'completion/complete: "ref" must be an object');
    let connection: ServerConnection;
    let forwarded: LooseParams;
    if (ref.type === 'ref/prompt') {
      const name = requireString(ref, 'name', 'completion/complete ref');
      const entry = await this.lookup(session, 'prompt', name);
      connection = this.readyConnection(entry.serverId);
      forwarded = { ...params, ref: { ...ref, name: entry.originalName } };
    } else if (ref.type === 'ref/resource') {
      const uri = requireString(ref, 'uri', 'completion/complete ref');
      const owner = ownerOfUri(session.snapshot(), uri);
      if (owner === undefined) throw new RpcError(RESOURCE_NOT_FOUND, `Resource not found: no server offers "${uri}"`, { uri });
      connection = this.readyConnection(owner);
      forwarded = params;
    } else {
      throw new RpcError(ErrorCode.InvalidParams, `completion/complete: unknown ref type ${JSON.stringify(ref.type)}`);
    }
    if (!connection.capabilities?.completions) return { completion: { values: [], hasMore: false } };
    return connection.forward('completion/complete', forwarded, this.forwardOptions(session, extra, 'completion/complete', params));
  }

  /**
   * Sets the session's level and fans it out to every ready server of its view that declares logging. Every
   * server of the view remembers it, so one that is restarting or idle gets it when it is ready again.
   */
  async setLevel(session: RoutedSession, params: LooseParams): Promise<LooseResult> {
    const level = requireString(params, 'level', 'logging/setLevel');
    session.logLevel = level;
    const snapshot = session.snapshot();
    const targets = this.ctx.connections().filter((c) => snapshot.serverIds.has(c.id) && c.state !== 'disabled');
    const results = await Promise.allSettled(targets.map((c) => c.setLogLevel(level)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        this.ctx.logger.warn(`server "${targets[i]!.id}" refused logging/setLevel`, { server: targets[i]!.id, error: errorMessage(r.reason) });
      }
    });
    return {};
  }

  // ---------------------------------------------------------------------------------------------------------

  private forwardOptions(session: RoutedSession, extra: UpstreamExtra, label: string, params: LooseParams, tool?: string): ForwardOptions {
    return forwardOptions(this.ctx, session, extra, label, params, tool);
  }

  /**
   * The entry for an exposed name, waiting once for servers still starting if it is not there yet. A name found at
   * once is returned as it is, not as a promise (the common case: no turn of the microtask queue).
   */
  private lookup(session: RoutedSession, kind: 'tool' | 'prompt', name: string): CatalogEntry | Promise<CatalogEntry> {
    const snapshot = session.snapshot();
    const entry = kind === 'tool' ? snapshot.toolsByName.get(name) : snapshot.promptsByName.get(name);
    if (entry) {
      snapshot.giveOutNames();
      return entry;
    }
    if (!this.ctx.startupDone()) return this.ctx.waitForStartup().then(() => this.lookupAfterStartup(session, kind, name));
    throw this.unknown(session, kind, name, snapshot);
  }

  private lookupAfterStartup(session: RoutedSession, kind: 'tool' | 'prompt', name: string): CatalogEntry {
    const snapshot = session.snapshot();
    const entry = kind === 'tool' ? snapshot.toolsByName.get(name) : snapshot.promptsByName.get(name);
    if (!entry) throw this.unknown(session, kind, name, snapshot);
    snapshot.giveOutNames();
    return entry;
  }

  /** The error for a name the session's catalog does not have (and the `call.unknown` event when it suggests names). */
  private unknown(session: RoutedSession, kind: 'tool' | 'prompt', name: string, snapshot: CatalogSnapshot): Error {
    const error = unknownItem(this.ctx, kind, name, snapshot);
    if (
      !snapshot[kind === 'tool' ? 'unlistedTools' : 'unlistedPrompts'].has(name) &&
      (error.data as { suggestions?: unknown } | undefined)?.suggestions !== undefined
    ) {
      this.ctx.emit({ type: 'call.unknown', sessionId: session.id, kind, name, at: Date.now() });
    }
    return error;
  }

  /**
   * The connection that owns an item. A server that is ready, restarting or idle is returned: `forward` waits
   * for it (or starts it). One that cannot serve (failed, stopped) is refused at once.
   */
  private readyConnection(serverId: string): ServerConnection {
    const connection = this.ctx.connection(serverId);
    if (!connection) {
      throw switchboardRpcError(ErrorCode.InternalError, 'SWB_SERVER_UNAVAILABLE', `Server "${serverId}" is no longer configured`, {
        server: serverId,
      });
    }
    if (!connection.servesLists) throw connection.unavailableError();
    return connection;
  }
}
