import type { FilterContribution, MiddlewareContribution, PluginDriver } from '@mcp-switchboard/plugin-api';
import { buildSnapshot, type CatalogSnapshot, type CatalogSource } from './catalog.js';
import { NameMemory } from './name-memory.js';
import type { NamespaceOptions } from './namespace.js';

/** The default view: every server the hub runs. */
export const DEFAULT_VIEW = '';

export interface ViewsOptions {
  namespace: NamespaceOptions;
  filters: PluginDriver<FilterContribution>;
  middleware?: PluginDriver<MiddlewareContribution> | undefined;
  /** Server ids a view covers (all running servers for DEFAULT_VIEW, a profile's servers otherwise). */
  serversOf(view: string): ReadonlySet<string>;
  /** Servers among `ids` that serve lists (ready, or on their way back), in server id order. */
  sourcesOf(ids: ReadonlySet<string>): CatalogSource[];
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Called after the default view is rebuilt. */
  onRebuilt(snapshot: CatalogSnapshot): void;
}

/**
 * One immutable snapshot per view key. `invalidate()` rebuilds the default view at once (so events and warnings
 * follow each change) and the others lazily, on their next read. Each view remembers the names it gave out
 * (NameMemory), so a rebuild never moves a name clients already call to another server.
 */
export class CatalogViews {
  private version = 0;
  private readonly views = new Map<string, CatalogSnapshot>();
  private readonly warned = new Set<string>();
  private readonly memories = new Map<string, { tool: NameMemory; prompt: NameMemory }>();

  constructor(private readonly options: ViewsOptions) {}

  invalidate(): CatalogSnapshot {
    this.version += 1;
    this.views.clear();
    const snapshot = this.get(DEFAULT_VIEW);
    this.options.onRebuilt(snapshot);
    return snapshot;
  }

  get(view: string = DEFAULT_VIEW): CatalogSnapshot {
    const cached = this.views.get(view);
    if (cached) return cached;
    const ids = this.options.serversOf(view);
    let memory = this.memories.get(view);
    if (!memory) this.memories.set(view, (memory = { tool: new NameMemory(), prompt: new NameMemory() }));
    const snapshot = buildSnapshot(this.version, ids, this.options.sourcesOf(ids), {
      namespace: this.options.namespace,
      filters: this.options.filters,
      middleware: this.options.middleware,
      profile: view === DEFAULT_VIEW ? undefined : view,
      memory,
      warn: (message, fields) => this.warnOnce(message, fields),
    });
    this.views.set(view, snapshot);
    return snapshot;
  }

  /** The same problem is reported once, however many rebuilds and views meet it. */
  private warnOnce(message: string, fields?: Record<string, unknown>): void {
    if (this.warned.has(message)) return;
    if (this.warned.size > 10_000) this.warned.clear();
    this.warned.add(message);
    this.options.warn(message, fields);
  }
}
