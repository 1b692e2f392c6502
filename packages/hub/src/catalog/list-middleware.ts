import type {
  ListedItemChange,
  MiddlewareContribution,
  PluginDriver,
  Prompt,
  ServerDefinition,
  Tool,
  VirtualPrompt,
  VirtualTool,
} from '@mcp-switchboard/plugin-api';
import { hookFields } from '../plugins/hub-plugins.js';
import type { CatalogEntry, UnlistedEntry } from './catalog.js';

/** The `_meta` key naming the plugin that answers a virtual tool or prompt. */
export const PLUGIN_META_KEY = 'io.mcp-switchboard/plugin';

/** What a name must look like to be exposed: MCP's tool-name characters, 1 to 64 of them. */
const EXPOSABLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

type Kind = 'tool' | 'prompt';

export interface ListMiddlewareOptions {
  middleware: PluginDriver<MiddlewareContribution>;
  /** The view's profile; undefined for the default view. */
  profile: string | undefined;
  serverOf(serverId: string): ServerDefinition | undefined;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Entries after the middleware: what is listed, and what may be called (listed, unlisted but callable, virtual). */
export interface MiddlewareLists<E extends CatalogEntry> {
  listed: E[];
  callable: Map<string, E>;
}

/** The change one middleware answered, or `false` to hide; a middleware that throws hides the item (fail closed). */
function ask<T extends Tool | Prompt>(
  kind: Kind,
  options: ListMiddlewareOptions,
  pluginEntry: PluginDriver<MiddlewareContribution>['entries'][number],
  entry: CatalogEntry & { definition: T },
  server: ServerDefinition,
): ListedItemChange {
  try {
    const item = { server, originalName: entry.originalName, exposedName: entry.exposedName, definition: entry.definition, profile: options.profile };
    return kind === 'tool'
      ? options.middleware.callSync(pluginEntry, 'tool', item as never)
      : options.middleware.callSync(pluginEntry, 'prompt', item as never);
  } catch (error) {
    options.warn(
      `middleware "${pluginEntry.pluginId}" threw in ${kind}() for ${kind} "${entry.exposedName}" of server "${entry.serverId}"; it is hidden`,
      hookFields(error),
    );
    return false;
  }
}

/** Applies one answer to an entry; the new name is checked (an invalid one is ignored with a warning). */
function applied<E extends CatalogEntry>(
  kind: Kind,
  entry: E,
  change: Exclude<ListedItemChange, boolean | undefined | void>,
  pluginId: string,
  warn: ListMiddlewareOptions['warn'],
): E {
  const definition: Record<string, unknown> = { ...entry.definition };
  let exposedName = entry.exposedName;
  if (change.name !== undefined && change.name !== entry.exposedName) {
    if (EXPOSABLE_NAME.test(change.name)) exposedName = definition.name = change.name;
    else
      warn(
        `middleware "${pluginId}" renamed ${kind} "${entry.exposedName}" to ${JSON.stringify(change.name)}, which is not 1-64 of [A-Za-z0-9_.-]; the rename is ignored`,
        { plugin: pluginId },
      );
  }
  if (change.title !== undefined) definition.title = change.title;
  if (change.description !== undefined) definition.description = change.description;
  if (kind === 'tool' && change.annotations !== undefined)
    definition.annotations = { ...(definition.annotations as object | undefined), ...change.annotations };
  const listed = change.listed === false ? false : entry.listed;
  return { ...entry, exposedName, definition, ...(listed === false ? { listed } : {}) } as E;
}

/**
 * Runs every middleware's `tool()`/`prompt()` over the named entries, in plugin order, each seeing the previous
 * answer; then adds the virtual items. A hidden item goes to `unlisted` (so a call to it says it is hidden). A
 * name two items end up with stays with the item that did not need a rename to get it (else the first), and the
 * other keeps its previous name, with a warning.
 */
export function applyListMiddleware<T extends Tool | Prompt, E extends CatalogEntry & { definition: T }>(
  kind: Kind,
  entries: readonly E[],
  unlisted: Map<string, UnlistedEntry>,
  options: ListMiddlewareOptions,
): MiddlewareLists<E> {
  const hooked = options.middleware.entries.filter((m) => typeof m.contribution[kind] === 'function');
  const virtualHook = kind === 'tool' ? 'virtualTools' : 'virtualPrompts';
  const withVirtual = options.middleware.entries.filter((m) => typeof m.contribution[virtualHook] === 'function');
  if (hooked.length === 0 && withVirtual.length === 0) return { listed: [...entries], callable: new Map(entries.map((e) => [e.exposedName, e])) };

  const results: Array<{ before: E; after: E }> = [];
  for (const original of entries) {
    const server = options.serverOf(original.serverId);
    let current: E | undefined = original;
    for (const pluginEntry of hooked) {
      if (!server) break;
      const change: ListedItemChange = ask(kind, options, pluginEntry, current, server);
      if (change === false) {
        unlisted.set(current.exposedName, { reason: 'hidden', serverId: current.serverId, originalName: current.originalName });
        current = undefined;
        break;
      }
      if (change && typeof change === 'object') current = applied(kind, current, change, pluginEntry.pluginId, options.warn);
    }
    if (current) results.push({ before: original, after: current });
  }

  // Names the hub gave and nobody changed win over renames; then renames in catalog order.
  const callable = new Map<string, E>();
  const finals = new Map<E, E>();
  for (const { before, after } of results) {
    if (after.exposedName !== before.exposedName) continue;
    callable.set(after.exposedName, after);
    finals.set(before, after);
  }
  for (const { before, after } of results) {
    if (after.exposedName === before.exposedName) continue;
    let final = after;
    const holder = callable.get(after.exposedName);
    if (holder) {
      options.warn(
        `${kind} "${before.exposedName}" of server "${before.serverId}" was renamed to "${after.exposedName}", which ${kind} "${holder.originalName}" of server "${holder.serverId}" already has; it keeps the name "${before.exposedName}"`,
      );
      final = { ...after, exposedName: before.exposedName, definition: { ...after.definition, name: before.exposedName } };
    }
    callable.set(final.exposedName, final);
    finals.set(before, final);
  }
  // Listed in catalog order, virtual items last.
  const listed = results.map(({ before }) => finals.get(before)!).filter((e) => e.listed !== false);

  for (const pluginEntry of withVirtual) {
    let items: readonly (VirtualTool | VirtualPrompt)[] | undefined;
    try {
      items = options.middleware.callSync(pluginEntry, virtualHook) ?? [];
    } catch (error) {
      options.warn(`middleware "${pluginEntry.pluginId}" threw in ${virtualHook}(); its virtual ${kind}s are left out`, hookFields(error));
      continue;
    }
    for (const item of items) {
      const name = item?.definition?.name;
      if (typeof name !== 'string' || !EXPOSABLE_NAME.test(name)) {
        options.warn(
          `middleware "${pluginEntry.pluginId}" offers a virtual ${kind} named ${JSON.stringify(name)}, which is not 1-64 of [A-Za-z0-9_.-]; it is left out`,
          { plugin: pluginEntry.pluginId },
        );
        continue;
      }
      const holder = callable.get(name);
      if (holder) {
        options.warn(
          `middleware "${pluginEntry.pluginId}" offers a virtual ${kind} "${name}", a name ${kind} "${holder.originalName}" of server "${holder.serverId}" already has; the virtual ${kind} is left out`,
          { plugin: pluginEntry.pluginId },
        );
        continue;
      }
      const definition = { ...item.definition, _meta: { ...item.definition._meta, [PLUGIN_META_KEY]: pluginEntry.pluginId } };
      const virtual = {
        serverId: `plugin:${pluginEntry.pluginId}`,
        exposedName: name,
        originalName: name,
        definition,
        virtual: { pluginId: pluginEntry.pluginId, item },
      } as unknown as E;
      callable.set(name, virtual);
      listed.push(virtual);
    }
  }
  return { listed, callable };
}
