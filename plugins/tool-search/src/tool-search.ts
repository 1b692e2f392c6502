import { errorMessage, shortHash, type CallToolResult, type Clock, type Logger, type Tool } from '@mcp-switchboard/plugin-api';
import { Bm25Index } from './bm25-index.js';
import { CALL_TOOL, SEARCH_TOOLS, callToolDefinition, errorResult, searchToolsDefinition } from './meta-tools.js';
import type { SearchMode, ToolSearchOptions } from './options.js';
import { toolDocument, type CatalogTool } from './tool-documents.js';
import { usageKey, type UsageStore } from './usage-store.js';

/** What a meta-tool may use: the view's tools and calls through the normal routing (plugin API 2's VirtualToolContext). */
export interface SearchContext {
  tools(): readonly CatalogTool[];
  callTool(exposedName: string, args: Record<string, unknown> | undefined): Promise<CallToolResult>;
}

/** A tool the plugin answers itself (plugin API 2's VirtualTool). */
export interface MetaTool {
  readonly definition: Tool;
  call(args: Record<string, unknown> | undefined, context: SearchContext): Promise<CallToolResult>;
}

/** One `search_tools` result. */
export interface SearchResult {
  name: string;
  server?: string;
  title?: string;
  description?: string;
  inputSchema: Tool['inputSchema'];
}

/** A catalog item as the list hook sees it. */
export interface ListedTool {
  readonly serverId: string | undefined;
  readonly originalName: string;
  readonly exposedName: string;
}

/** Call counts are written at most this often; learned pins change only then, so lists do not churn per call. */
export const SAVE_DELAY_MS = 30_000;

/**
 * The tool-search engine, free of hub internals: which tools stay listed (mode, pins, learned pins), the
 * `search_tools` and `call_tool` meta-tools, and the call counts. The plugin wires it to the middleware hooks.
 */
export class ToolSearch {
  private readonly seen = new Set<string>();
  private learned = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private index: { signature: string; index: Bm25Index } | undefined;
  private saveTimer: unknown;
  private resolvedMode: SearchMode;

  constructor(
    private readonly options: ToolSearchOptions,
    private readonly deps: { clock: Clock; logger?: Logger; usage?: UsageStore },
  ) {
    this.resolvedMode = options.mode === 'auto' ? 'all' : options.mode;
    this.learned = new Set(deps.usage?.top(options.learnedPins) ?? []);
  }

  get mode(): SearchMode {
    return this.resolvedMode;
  }

  /** The learned pins (`server/tool`), most called first. */
  get learnedPins(): string[] {
    return [...this.learned];
  }

  /**
   * Called for every tool while the catalog is built; says whether it stays listed. In `auto` mode it also
   * counts the catalog, and switches to `hybrid` (telling the listeners, so the hub rebuilds) once it grows
   * over the threshold.
   */
  listed(tool: ListedTool): boolean {
    if (tool.serverId !== undefined) this.observe(usageKey(tool.serverId, tool.originalName));
    switch (this.resolvedMode) {
      case 'all':
        return true;
      case 'search':
        return false;
      case 'hybrid':
        return this.isPinned(tool);
    }
  }

  isPinned(tool: ListedTool): boolean {
    const key = tool.serverId === undefined ? undefined : usageKey(tool.serverId, tool.originalName);
    return this.options.pinned.includes(tool.exposedName) || (key !== undefined && (this.options.pinned.includes(key) || this.learned.has(key)));
  }

  /** The meta-tools to add: none in `all` mode. */
  metaTools(): MetaTool[] {
    if (this.resolvedMode === 'all') return [];
    return [
      { definition: searchToolsDefinition(this.options.defaultResults, this.options.maxResults, []), call: (args, context) => this.searchTools(args, context) },
      { definition: callToolDefinition(), call: (args, context) => this.callTool(args, context) },
    ];
  }

  /** The best matches for `query` among `tools` (meta-tools left out). */
  search(tools: readonly CatalogTool[], query: string, limit: number, server?: string): SearchResult[] {
    const searchable = tools.filter((t) => t.exposedName !== SEARCH_TOOLS && t.exposedName !== CALL_TOOL);
    const byName = new Map(searchable.map((t) => [t.exposedName, t]));
    const hits = this.indexFor(searchable).search(query, limit, (id) => server === undefined || byName.get(id)?.serverId === server);
    return hits.map(({ id }) => {
      const { definition, serverId } = byName.get(id)!;
      return {
        name: id,
        ...(serverId !== undefined ? { server: serverId } : {}),
        ...(definition.title !== undefined ? { title: definition.title } : {}),
        ...(definition.description !== undefined ? { description: definition.description } : {}),
        inputSchema: definition.inputSchema,
      };
    });
  }

  /** Counts a forwarded call (direct, or through `call_tool`); learned pins follow when the counts are saved. */
  recordCall(serverId: string, originalName: string): void {
    const { usage, clock } = this.deps;
    if (!usage) return;
    usage.record(usageKey(serverId, originalName), clock.now());
    if (this.saveTimer === undefined) this.saveTimer = clock.setTimeout(() => void this.save(), SAVE_DELAY_MS);
  }

  /** Writes the counts and refreshes the learned pins (telling the listeners when they changed). */
  async save(): Promise<void> {
    const { usage, clock, logger } = this.deps;
    if (this.saveTimer !== undefined) clock.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!usage) return;
    try {
      await usage.save();
    } catch (error) {
      logger?.warn('cannot write the tool-usage file', { file: usage.file, error: errorMessage(error) });
    }
    const next = new Set(usage.top(this.options.learnedPins));
    const changed = next.size !== this.learned.size || [...next].some((key) => !this.learned.has(key));
    this.learned = next;
    if (changed && this.resolvedMode === 'hybrid') this.notify();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async searchTools(args: Record<string, unknown> | undefined, context: SearchContext): Promise<CallToolResult> {
    const query = args?.query;
    if (typeof query !== 'string' || !query.trim()) return errorResult(`${SEARCH_TOOLS} needs a "query": a few words about what you want to do.`);
    const asked = typeof args?.limit === 'number' && Number.isFinite(args.limit) ? Math.floor(args.limit) : this.options.defaultResults;
    const limit = Math.min(Math.max(1, asked), this.options.maxResults);
    const server = typeof args?.server === 'string' && args.server ? args.server : undefined;
    const tools = context.tools();
    this.resync(tools);
    const results = this.search(tools, query, limit, server);
    const text = results.length
      ? JSON.stringify({ results, next: `Call one with ${CALL_TOOL} {"name": "<name>", "arguments": {...}}.` }, null, 1)
      : `No tool matches "${query}"${server ? ` on server "${server}"` : ''}. Try other words${server ? ' or no server' : ''}.`;
    return { content: [{ type: 'text', text }], structuredContent: { results } };
  }

  private async callTool(args: Record<string, unknown> | undefined, context: SearchContext): Promise<CallToolResult> {
    const name = args?.name;
    if (typeof name !== 'string' || !name) return errorResult(`${CALL_TOOL} needs the "name" of a tool (find it with ${SEARCH_TOOLS}).`);
    if (name === CALL_TOOL || name === SEARCH_TOOLS) return errorResult(`Call ${name} directly, not through ${CALL_TOOL}.`);
    const toolArgs = args?.arguments;
    if (toolArgs !== undefined && (toolArgs === null || typeof toolArgs !== 'object' || Array.isArray(toolArgs))) {
      return errorResult(`"arguments" of ${CALL_TOOL} must be an object matching the tool's input schema.`);
    }
    const tools = context.tools();
    if (!tools.some((t) => t.exposedName === name)) {
      const near = this.search(tools, name, 3).map((r) => r.name);
      return errorResult(`No tool is named "${name}".${near.length ? ` Did you mean ${near.join(', ')}?` : ''} Find names with ${SEARCH_TOOLS}.`);
    }
    return context.callTool(name, toolArgs as Record<string, unknown> | undefined);
  }

  private indexFor(tools: readonly CatalogTool[]): Bm25Index {
    const signature = shortHash(
      tools.map((t) => `${t.exposedName}\u0001${t.serverId ?? ''}\u0001${t.definition.title ?? ''}\u0001${t.definition.description ?? ''}`),
      16,
    );
    if (this.index?.signature !== signature) this.index = { signature, index: new Bm25Index(tools.map(toolDocument)) };
    return this.index.index;
  }

  /** The view's real tools: forget tools that were removed, so `auto` can also switch back. */
  private resync(tools: readonly CatalogTool[]): void {
    if (this.options.mode !== 'auto') return;
    this.seen.clear();
    for (const t of tools) if (t.serverId !== undefined) this.seen.add(usageKey(t.serverId, t.originalName));
    this.decideAuto();
  }

  private observe(key: string): void {
    if (this.options.mode !== 'auto' || this.seen.has(key)) return;
    this.seen.add(key);
    this.decideAuto();
  }

  private decideAuto(): void {
    const next: SearchMode = this.seen.size > this.options.threshold ? 'hybrid' : 'all';
    if (next === this.resolvedMode) return;
    this.resolvedMode = next;
    this.deps.logger?.info(
      `tool-search: ${this.seen.size} tools, ${next === 'hybrid' ? 'over' : 'within'} the threshold of ${this.options.threshold}: mode ${next}`,
    );
    // Decided while the hub builds the catalog: ask for the rebuild once this one is done.
    queueMicrotask(() => this.notify());
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
