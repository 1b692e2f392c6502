import type { FilterContribution, PluginDriver, Prompt, Resource, ResourceTemplate, ServerDefinition, Tool } from '@mcp-switchboard/plugin-api';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { hookFields } from '../plugins/hub-plugins.js';
import { errorMessage } from '../util/rpc-error.js';
import { assignNames, type NamespaceOptions, type NamingItem } from './namespace.js';

/** An exposed tool or prompt: where it comes from and the definition clients see (with the exposed name). */
export interface CatalogEntry {
  serverId: string;
  exposedName: string;
  originalName: string;
  definition: Tool | Prompt;
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

/** What one ready server contributes. */
export interface CatalogSource {
  definition: ServerDefinition;
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
  readonly tools: readonly ToolEntry[];
  readonly toolsByName: ReadonlyMap<string, ToolEntry>;
  readonly prompts: readonly PromptEntry[];
  readonly promptsByName: ReadonlyMap<string, PromptEntry>;
  readonly resources: readonly ResourceEntry[];
  /** URI → owning server id (the first server by id order when several list it). */
  readonly resourceOwners: ReadonlyMap<string, string>;
  readonly templates: readonly TemplateEntry[];
  /** Definitions as listed upstream, precomputed so a list request allocates nothing but its page. */
  readonly toolDefinitions: readonly Tool[];
  readonly promptDefinitions: readonly Prompt[];
  readonly resourceDefinitions: readonly Resource[];
  readonly templateDefinitions: readonly ResourceTemplate[];
}

export interface BuildOptions {
  namespace: NamespaceOptions;
  filters: PluginDriver<FilterContribution>;
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
    options.warn(`filter "${String(fields.plugin)}" threw in ${kind}() while deciding whether to show ${kind} "${item.name}" of server "${server.id}"; it is hidden`, fields);
    return false;
  }
}

function nameItems<T extends Tool | Prompt>(
  kind: Kind,
  sources: readonly CatalogSource[],
  pick: (source: CatalogSource) => readonly T[],
  options: BuildOptions,
): Array<CatalogEntry & { definition: T }> {
  const kept: Array<{ source: CatalogSource; item: T }> = [];
  for (const source of sources) {
    for (const item of pick(source)) {
      if (visible(kind, options.filters, source.definition, item, options)) kept.push({ source, item });
    }
  }
  const naming: NamingItem[] = kept.map(({ source, item }) => ({
    serverId: source.definition.id,
    prefix: source.definition.prefix ?? source.definition.id,
    originalName: item.name,
  }));
  const { names, collisions } = assignNames(naming, options.namespace);
  for (const c of collisions) {
    options.warn(
      `${kind} name collision: ${kind} "${c.item.originalName}" of server "${c.item.serverId}" would be exposed as "${c.wanted}", ` +
        `already taken by ${kind} "${c.holder.originalName}" of server "${c.holder.serverId}"; it is exposed as "${c.exposedName}"`,
    );
  }
  return kept.map(({ source, item }, i) => ({
    serverId: source.definition.id,
    exposedName: names[i]!,
    originalName: item.name,
    definition: names[i] === item.name ? item : { ...item, name: names[i]! },
  }));
}

/**
 * Builds a snapshot from the ready servers of one view. `sources` must be in server id order (that order
 * decides who keeps a contested name or URI); `serverIds` are all the servers the view covers.
 */
export function buildSnapshot(
  version: number,
  serverIds: ReadonlySet<string>,
  sources: readonly CatalogSource[],
  options: BuildOptions,
): CatalogSnapshot {
  const tools = nameItems('tool', sources, (s) => s.tools, options) as ToolEntry[];
  const prompts = nameItems('prompt', sources, (s) => s.prompts, options) as PromptEntry[];

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
          options.warn(
            `resource template "${template.uriTemplate}" is listed by servers "${owner}" and "${id}"; it is routed to "${owner}"`,
          );
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

  return Object.freeze({
    version,
    serverIds,
    tools: Object.freeze(tools),
    toolsByName: new Map(tools.map((t) => [t.exposedName, t])),
    prompts: Object.freeze(prompts),
    promptsByName: new Map(prompts.map((p) => [p.exposedName, p])),
    resources: Object.freeze(resources),
    resourceOwners,
    templates: Object.freeze(templates),
    toolDefinitions: Object.freeze(tools.map((t) => t.definition)),
    promptDefinitions: Object.freeze(prompts.map((p) => p.definition)),
    resourceDefinitions: Object.freeze(resources.map((r) => r.resource)),
    templateDefinitions: Object.freeze(templates.map((t) => t.template)),
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
