import type { Logger, Prompt, Resource, ResourceTemplate, Tool } from '@mcp-switchboard/plugin-api';
import type { LinkClient } from './link-client.js';
import { ErrorCode, McpError, type ClientRequest, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { errorMessage } from '../util/rpc-error.js';
import { LooseResultSchema, isRecord, type LooseResult } from '../util/schemas.js';

/** The lists a server can announce changes of; `resources` covers resources and resource templates. */
export type ListKind = 'tools' | 'prompts' | 'resources';
export const listKinds: readonly ListKind[] = ['tools', 'prompts', 'resources'];

/** What the hub caches of a server: its lists, fetched in full. */
export interface ServerCache {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
}

export const emptyCache = (): ServerCache => ({ tools: [], prompts: [], resources: [], resourceTemplates: [] });

function sameList(a: ServerCache, b: ServerCache, kind: ListKind): boolean {
  if (kind === 'resources') {
    return JSON.stringify(a.resources) === JSON.stringify(b.resources) && JSON.stringify(a.resourceTemplates) === JSON.stringify(b.resourceTemplates);
  }
  return JSON.stringify(a[kind]) === JSON.stringify(b[kind]);
}

function listsOf(cache: ServerCache, kind: ListKind): Partial<ServerCache> {
  return kind === 'resources' ? { resources: cache.resources, resourceTemplates: cache.resourceTemplates } : { [kind]: cache[kind] };
}

function nonEmptyKinds(cache: ServerCache): ListKind[] {
  return listKinds.filter((kind) => (kind === 'resources' ? cache.resources.length > 0 || cache.resourceTemplates.length > 0 : cache[kind].length > 0));
}

/** Where a refresh gets its lists from, and whom it tells. */
export interface ListSource {
  /** The link to refetch from when ready; `later` while a start attempt runs (it fetches everything anyway). */
  refreshTarget(): { client: LinkClient; run: number } | 'later' | undefined;
  isCurrent(run: number): boolean;
  /** Lists were (re)fetched (`discovered`) or dropped. */
  changed(kinds: ReadonlySet<ListKind>, discovered: boolean): void;
}

export interface ListCacheOptions {
  id: string;
  logger: Logger;
  requestMs: number;
  source: ListSource;
}

/**
 * A server's lists: fetched in full (every page) on each new link, refetched when the server announces a change
 * (announcements during a refresh coalesce into one more), and kept while the server is on its way back.
 */
export class ListCache {
  /** Undefined until the first listing was adopted. */
  private current: ServerCache | undefined;
  private readonly refreshing = new Map<ListKind, Promise<void>>();
  private readonly refreshAgain = new Set<ListKind>();
  private readonly refreshWhenReady = new Set<ListKind>();
  private readonly id: string;
  private readonly logger: Logger;

  constructor(private readonly options: ListCacheOptions) {
    this.id = options.id;
    this.logger = options.logger;
  }

  get lists(): Readonly<ServerCache> {
    return this.current ?? emptyCache();
  }

  /**
   * Takes the listing of a new link. Returns the kinds that changed, and whether the hub must hear of it (a change,
   * or the first listing ever: lists that came back the same are not news).
   */
  adopt(next: ServerCache): { changed: ListKind[]; announce: boolean } {
    const first = this.current === undefined;
    const changed = listKinds.filter((kind) => !sameList(this.lists, next, kind));
    this.current = next;
    return { changed, announce: first || changed.length > 0 };
  }

  /** Drops every list (circuit open, stop, manual restart); returns the kinds that had items. */
  drop(): ListKind[] {
    const had = nonEmptyKinds(this.lists);
    if (this.current !== undefined) this.current = emptyCache();
    return had;
  }

  /** Refreshes asked for while a start attempt ran, now that the server is ready. */
  refreshPending(): void {
    const pending = [...this.refreshWhenReady];
    this.refreshWhenReady.clear();
    for (const kind of pending) this.scheduleRefresh(kind);
  }

  forgetPending(): void {
    this.refreshWhenReady.clear();
  }

  /**
   * The full listing of a new link. A server whose tools cannot be listed fails; one whose prompts or resources
   * cannot be listed serves the rest (logged), keeping the previous list of that kind after a restart.
   */
  async fetchAll(client: LinkClient, caps: ServerCapabilities, run: number): Promise<ServerCache> {
    const previous = this.lists;
    const next = emptyCache();
    await Promise.all(
      listKinds
        .filter((kind) => caps[kind] !== undefined)
        .map(async (kind) => {
          try {
            Object.assign(next, await this.listKind(client, kind));
          } catch (error) {
            if (kind === 'tools' || !this.options.source.isCurrent(run)) throw error;
            const keep = !sameList(previous, emptyCache(), kind);
            this.logger.warn(`server "${this.id}": could not list its ${kind}; ${keep ? 'keeping the previous list' : 'serving without them'}`, {
              server: this.id,
              error: errorMessage(error),
            });
            if (keep) Object.assign(next, listsOf(previous, kind));
          }
        }),
    );
    return next;
  }

  /** Refetches one list after the server announced a change; coalesces announcements that arrive meanwhile. */
  scheduleRefresh(kind: ListKind): void {
    const target = this.options.source.refreshTarget();
    if (target === 'later') {
      this.refreshWhenReady.add(kind);
      return;
    }
    if (!target) return;
    if (this.refreshing.has(kind)) {
      this.refreshAgain.add(kind);
      return;
    }
    const { client, run } = target;
    const source = this.options.source;
    const refresh = async () => {
      do {
        this.refreshAgain.delete(kind);
        try {
          const lists = await this.listKind(client, kind);
          if (source.isCurrent(run)) this.current = { ...this.lists, ...lists };
        } catch (error) {
          if (source.isCurrent(run)) {
            this.logger.warn(`server "${this.id}": could not refresh its ${kind}; keeping the previous list`, { server: this.id, error: errorMessage(error) });
          }
          return;
        }
        if (!source.isCurrent(run)) return;
        source.changed(new Set([kind]), true);
      } while (this.refreshAgain.has(kind));
    };
    const running = refresh()
      .catch((error: unknown) => this.logger.error(`server "${this.id}": refreshing its ${kind} failed`, { server: this.id, error: errorMessage(error) }))
      .finally(() => this.refreshing.delete(kind));
    this.refreshing.set(kind, running);
  }

  private async listKind(client: LinkClient, kind: ListKind): Promise<Partial<ServerCache>> {
    if (kind === 'tools') return { tools: await this.listAll<Tool>(client, 'tools/list', 'tools', (t) => typeof t.name === 'string') };
    if (kind === 'prompts') return { prompts: await this.listAll<Prompt>(client, 'prompts/list', 'prompts', (p) => typeof p.name === 'string') };
    const [resources, resourceTemplates] = await Promise.all([
      this.listAll<Resource>(client, 'resources/list', 'resources', (r) => typeof r.uri === 'string'),
      // Many servers with resources have no templates: any failure here means "none".
      this.listAll<ResourceTemplate>(client, 'resources/templates/list', 'resourceTemplates', (t) => typeof t.uriTemplate === 'string').catch(
        (error: unknown) => {
          this.logger.debug(`server "${this.id}": resources/templates/list failed; no templates`, { server: this.id, error: errorMessage(error) });
          return [] as ResourceTemplate[];
        },
      ),
    ]);
    return { resources, resourceTemplates };
  }

  /** Every page of a list (following nextCursor). A server without the method gives an empty list. */
  private async listAll<T>(client: LinkClient, method: string, key: string, valid: (item: Record<string, unknown>) => boolean): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      let result: LooseResult;
      try {
        const request = cursor === undefined ? { method } : { method, params: { cursor } };
        result = await client.request(request, LooseResultSchema, { timeout: Math.min(this.options.requestMs, MAX_TIMEOUT_MS) });
      } catch (error) {
        if (error instanceof McpError && error.code === ErrorCode.MethodNotFound) return items;
        throw new Error(`${method} failed: ${errorMessage(error)}`, { cause: error });
      }
      const list = result[key];
      if (!Array.isArray(list)) throw new Error(`${method} returned no "${key}" array`);
      for (const item of list) {
        if (isRecord(item) && valid(item)) items.push(item as T);
        else this.logger.warn(`server "${this.id}": ${method} returned an invalid item; skipped`, { server: this.id, item });
      }
      const next = result.nextCursor;
      if (typeof next !== 'string' || next.length === 0) return items;
      if (seen.has(next)) {
        this.logger.warn(`server "${this.id}": ${method} repeated cursor ${JSON.stringify(next)}; stopped paging`, { server: this.id });
        return items;
      }
      seen.add(next);
      cursor = next;
    }
  }
}
