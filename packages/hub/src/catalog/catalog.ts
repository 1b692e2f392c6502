import type {
  FilterContribution,
  MiddlewareContribution,
  PluginDriver,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerDefinition,
  Tool,
  VirtualPrompt,
  VirtualTool,
} from '@mcp-switchboard/plugin-api';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { ListKind, Listing } from '../pagination.js';
import { hookFields } from '../plugins/hub-plugins.js';
import { errorMessage } from '../util/rpc-error.js';
import { exposedDefinition } from './exposed-definition.js';
import { applyListMiddleware } from './list-middleware.js';
import { assignmentOf, type Assignment, type NameMemory } from './name-memory.js';
import { assignNames, type NamespaceOptions, type NamingItem } from './namespace.js';

/** An exposed tool or prompt: where it comes from and the definition clients see (with the exposed name). */
export interface CatalogEntry {
  serverId: string;
  exposedName: string;
  originalName: string;
  definition: Tool | Prompt;
  /** False: callable but not listed (a middleware said `listed: false`). */
  listed?: false;
  /** Set for a tool or prompt a middleware adds and answers itself (serverId is then `plugin:<id>`). */
  virtual?: { pluginId: string; item: VirtualTool | VirtualPrompt };
}

export interface ToolEntry extends CatalogEntry {
  definition: Tool;
}

export interface PromptEntry extends CatalogEntry {
  definition: Prompt;
}

export interface ResourceEntry {
  serverId: string;
  resource: Resource;
}

export interface TemplateEntry {
  serverId: string;
  template: ResourceTemplate;
  /** Undefined when the template does not parse; it is still listed, just never matched. */
  matcher: UriTemplate | undefined;
}

/** A name clients may call that is not listed: hidden by a filter, or held for a server that is down. */
export interface UnlistedEntry {
  reason: 'hidden' | 'server-down';
  serverId: string;
  originalName: string;
}

/** What one server that serves lists contributes. */
export interface CatalogSource {
  definition: ServerDefinition;
  /** Ready: its lists are the server's own now (not kept from before a restart), so a missing item is gone. */
  ready: boolean;
  tools: readonly Tool[];
  prompts: readonly Prompt[];
  resources: readonly Resource[];
  resourceTemplates: readonly ResourceTemplate[];
}

/** An immutable view of everything exposed: built once per change, read by every session without locks. */
export interface CatalogSnapshot {
  readonly version: number;
  /** Servers this view covers (ready or not). */
  readonly serverIds: ReadonlySet<string>;
  /** Listed tools, in list order. */
  readonly tools: readonly ToolEntry[];
  /** Every callable tool by exposed name: listed, unlisted by a middleware, and virtual. */
  readonly toolsByName: ReadonlyMap<string, ToolEntry>;
  readonly prompts: readonly PromptEntry[];
  readonly promptsByName: ReadonlyMap<string, PromptEntry>;
  /** Tool names that are not listed but mean something: hidden by a filter, or held for a server that is down. */
  readonly unlistedTools: ReadonlyMap<string, UnlistedEntry>;
  readonly unlistedPrompts: ReadonlyMap<string, UnlistedEntry>;
  /**
   * Records that clients have seen this snapshot's tool and prompt names (a list or a call was answered from it):
   * from now on each keeps its server across rebuilds. Cheap after the first call.
   */
  giveOutNames(): void;
  readonly resources: readonly ResourceEntry[];
  /** URI → owning server id (the first server by id order when several list it). */
  readonly resourceOwners: ReadonlyMap<string, string>;
  readonly templates: readonly TemplateEntry[];
  /** Definitions as listed upstream, precomputed so a list request allocates nothing but its page. */
  readonly toolDefinitions: readonly Tool[];
  readonly promptDefinitions: readonly Prompt[];
  readonly resourceDefinitions: readonly Resource[];
  readonly templateDefinitions: readonly ResourceTemplate[];
  /** The same lists with each item's key and server, as pages are cut from them (items are the arrays above). */
  readonly listings: {
    readonly tools: Listing<Tool>;
    readonly prompts: Listing<Prompt>;
    readonly resources: Listing<Resource>;
    readonly resourceTemplates: Listing<ResourceTemplate>;
  };
}

function listing<T>(kind: ListKind, items: readonly T[], keys: string[], servers: string[]): Listing<T> {
  return Object.freeze({ kind, items, keys: Object.freeze(keys), servers: Object.freeze(servers) });
}

export interface BuildOptions {
  namespace: NamespaceOptions;
  filters: PluginDriver<FilterContribution>;
  /** Middleware's list hooks (renames, overrides, virtual items), run after the filters and the namespacing. */
  middleware?: PluginDriver<MiddlewareContribution> | undefined;
  /** The profile this view is built for; undefined for the default view. */
  profile?: string | undefined;
  /** The names this view gave out before, per kind (kept across rebuilds). */
  memory: Readonly<Record<Kind, NameMemory>>;
  /** Reports a problem worth a warning (collisions, duplicate URIs, failing filters). */
  warn(message: string, fields?: Record<string, unknown>): void;
}

type Kind = 'tool' | 'prompt';

function visible(kind: Kind, filters: PluginDriver<FilterContribution>, server: ServerDefinition, item: Tool | Prompt, options: BuildOptions): boolean {
  try {
    return filters.firstSync(kind, (answer) => answer === false, server, item as Tool & Prompt) === undefined;
  } catch (error) {
    // Fail closed: a filter that cannot decide must not expose what it may have meant to hide.
    const fields = hookFields(error);
    options.warn(
      `filter "${String(fields.plugin)}" threw in ${kind}() while deciding whether to show ${kind} "${item.name}" of server "${server.id}"; it is hidden`,
      fields,
    );
    return false;
  }
}

function nameItems<T extends Tool | Prompt>(
  kind: Kind,
  serverIds: ReadonlySet<string>,
  sources: readonly CatalogSource[],
  pick: (source: CatalogSource) => readonly T[],
  options: BuildOptions,
): { entries: Array<CatalogEntry & { definition: T }>; unlisted: Map<string, UnlistedEntry>; assignment: Assignment } {
  const found: Array<{ source: CatalogSource; item: T; naming: NamingItem }> = [];
  const listed = new Map<string, Set<string>>();
  for (const source of sources) {
    const names = new Set<string>();
    for (const item of pick(source)) {
      names.add(item.name);
      const hidden = !visible(kind, options.filters, source.definition, item, options);
      const naming: NamingItem = {
        serverId: source.definition.id,
        prefix: source.definition.prefix ?? source.definition.id,
        originalName: item.name,
        ...(hidden ? { hidden } : {}),
      };
      found.push({ source, item, naming });
    }
    if (source.ready) listed.set(source.definition.id, names);
  }
  const memory = options.memory[kind];
  memory.release(serverIds, (id) => listed.get(id));
  const naming = found.map((f) => f.naming);
  const { names, prefixed, collisions, kept } = assignNames(naming, options.namespace, memory.remembered);
  const heldForAbsent = memory.heldForAbsent(naming);

  for (const c of collisions) {
    options.warn(
      `${kind} name collision: ${kind} "${c.item.originalName}" of server "${c.item.serverId}" would be exposed as "${c.wanted}", ` +
        `already taken by ${kind} "${c.holder.originalName}" of server "${c.holder.serverId}"; it is exposed as "${c.exposedName}"`,
    );
  }
  for (const k of kept) {
    options.warn(
      `${kind} "${k.item.originalName}" of server "${k.item.serverId}" keeps the name "${k.exposedName}" that clients already call ` +
        `(it would now be "${k.natural}"); the same ${kind} of a server that came later is exposed under another name`,
    );
  }
  const entries: Array<CatalogEntry & { definition: T }> = [];
  const unlisted = new Map<string, UnlistedEntry>();
  found.forEach(({ source, item, naming: n }, i) => {
    const name = names[i];
    if (name === undefined) return;
    if (n.hidden) {
      unlisted.set(name, { reason: 'hidden', serverId: n.serverId, originalName: n.originalName });
      return;
    }
    entries.push({
      serverId: source.definition.id,
      exposedName: name,
      originalName: item.name,
      definition: exposedDefinition(item, source.definition, name, prefixed[i]!),
    });
  });
  for (const held of heldForAbsent) {
    unlisted.set(held.name, { reason: 'server-down', serverId: held.serverId, originalName: held.originalName });
  }
  return { entries, unlisted, assignment: assignmentOf(naming, names) };
}

/**
 * Builds a snapshot from the ready servers of one view. `sources` must be in server id order (that order
 * decides who keeps a contested name or URI); `serverIds` are all the servers the view covers.
 */
export function buildSnapshot(version: number, serverIds: ReadonlySet<string>, sources: readonly CatalogSource[], options: BuildOptions): CatalogSnapshot {
  const namedTools = nameItems('tool', serverIds, sources, (s) => s.tools, options);
  const namedPrompts = nameItems('prompt', serverIds, sources, (s) => s.prompts, options);
  const definitions = new Map(sources.map((s) => [s.definition.id, s.definition]));
  const listOptions = (middleware: PluginDriver<MiddlewareContribution>) => ({
    middleware,
    profile: options.profile,
    serverOf: (id: string) => definitions.get(id),
    warn: options.warn,
  });
  const toolLists = options.middleware
    ? applyListMiddleware<Tool, ToolEntry>('tool', namedTools.entries as ToolEntry[], namedTools.unlisted, listOptions(options.middleware))
    : { listed: namedTools.entries as ToolEntry[], callable: new Map((namedTools.entries as ToolEntry[]).map((t) => [t.exposedName, t])) };
  const promptLists = options.middleware
    ? applyListMiddleware<Prompt, PromptEntry>('prompt', namedPrompts.entries as PromptEntry[], namedPrompts.unlisted, listOptions(options.middleware))
    : { listed: namedPrompts.entries as PromptEntry[], callable: new Map((namedPrompts.entries as PromptEntry[]).map((p) => [p.exposedName, p])) };
  const tools = toolLists.listed;
  const prompts = promptLists.listed;

  const resources: ResourceEntry[] = [];
  const resourceOwners = new Map<string, string>();
  const templates: TemplateEntry[] = [];
  const templateOwners = new Map<string, string>();
  for (const source of sources) {
    const id = source.definition.id;
    for (const resource of source.resources) {
      const owner = resourceOwners.get(resource.uri);
      if (owner !== undefined) {
        if (owner !== id) {
          options.warn(`resource "${resource.uri}" is listed by servers "${owner}" and "${id}"; it is routed to "${owner}"`);
        }
        continue;
      }
      resourceOwners.set(resource.uri, id);
      resources.push({ serverId: id, resource });
    }
    for (const template of source.resourceTemplates) {
      const owner = templateOwners.get(template.uriTemplate);
      if (owner !== undefined) {
        if (owner !== id) {
          options.warn(`resource template "${template.uriTemplate}" is listed by servers "${owner}" and "${id}"; it is routed to "${owner}"`);
        }
        continue;
      }
      templateOwners.set(template.uriTemplate, id);
      let matcher: UriTemplate | undefined;
      try {
        matcher = new UriTemplate(template.uriTemplate);
      } catch (error) {
        options.warn(`resource template "${template.uriTemplate}" of server "${id}" does not parse; reads are not routed by it`, {
          error: errorMessage(error),
        });
      }
      templates.push({ serverId: id, template, matcher });
    }
  }

  let givenOut = false;
  const giveOutNames = () => {
    if (givenOut) return;
    givenOut = true;
    options.memory.tool.commit(namedTools.assignment);
    options.memory.prompt.commit(namedPrompts.assignment);
  };

  const toolDefinitions = Object.freeze(tools.map((t) => t.definition));
  const promptDefinitions = Object.freeze(prompts.map((p) => p.definition));
  const resourceDefinitions = Object.freeze(resources.map((r) => r.resource));
  const templateDefinitions = Object.freeze(templates.map((t) => t.template));
  const listings = Object.freeze({
    tools: listing(
      'tools',
      toolDefinitions,
      tools.map((t) => t.exposedName),
      tools.map((t) => t.serverId),
    ),
    prompts: listing(
      'prompts',
      promptDefinitions,
      prompts.map((p) => p.exposedName),
      prompts.map((p) => p.serverId),
    ),
    resources: listing(
      'resources',
      resourceDefinitions,
      resources.map((r) => r.resource.uri),
      resources.map((r) => r.serverId),
    ),
    resourceTemplates: listing(
      'resourceTemplates',
      templateDefinitions,
      templates.map((t) => t.template.uriTemplate),
      templates.map((t) => t.serverId),
    ),
  });

  return Object.freeze({
    version,
    giveOutNames,
    serverIds,
    tools: Object.freeze(tools),
    toolsByName: toolLists.callable,
    prompts: Object.freeze(prompts),
    promptsByName: promptLists.callable,
    unlistedTools: namedTools.unlisted,
    unlistedPrompts: namedPrompts.unlisted,
    resources: Object.freeze(resources),
    resourceOwners,
    templates: Object.freeze(templates),
    toolDefinitions,
    promptDefinitions,
    resourceDefinitions,
    templateDefinitions,
    listings,
  });
}

/** The server owning a URI: listed resource first, then the first template (by server id) that matches. */
export function ownerOfUri(snapshot: CatalogSnapshot, uri: string): string | undefined {
  const listed = snapshot.resourceOwners.get(uri);
  if (listed !== undefined) return listed;
  for (const t of snapshot.templates) {
    if (t.template.uriTemplate === uri) return t.serverId;
  }
  for (const t of snapshot.templates) {
    try {
      if (t.matcher?.match(uri)) return t.serverId;
    } catch {
      // UriTemplate.match throws on over-long input: not a match.
    }
  }
  return undefined;
}
