import type { Prompt, ServerDefinition, Tool } from '@mcp-switchboard/plugin-api';

/** The `_meta` key saying which server a tool or prompt comes from: `{ id, name }`. */
export const SERVER_META_KEY = 'io.mcp-switchboard/server';
/** The `_meta` key holding the name the server itself gave the item. */
export const ORIGINAL_NAME_META_KEY = 'io.mcp-switchboard/originalName';

/** `<prefix>: <title>`: the title a client shows, prefixed where the name is. */
function prefixTitle(prefix: string, title: unknown): unknown {
  return typeof title === 'string' ? `${prefix}: ${title}` : title;
}

/**
 * The definition clients see for a tool or prompt: the server's own, with the exposed name; where the name carries
 * the server's prefix, the titles (`title`, a tool's `annotations.title`) carry it too (`<prefix>: <title>`); and
 * `_meta` says which server it comes from and under which name (the server's own `_meta` keys are kept).
 */
export function exposedDefinition<T extends Tool | Prompt>(item: T, server: ServerDefinition, exposedName: string, prefixed: boolean): T {
  const out: Record<string, unknown> = {
    ...item,
    name: exposedName,
    _meta: { ...item._meta, [SERVER_META_KEY]: { id: server.id, name: server.name }, [ORIGINAL_NAME_META_KEY]: item.name },
  };
  if (prefixed) {
    const prefix = server.prefix ?? server.id;
    if ('title' in item && item.title !== undefined) out.title = prefixTitle(prefix, item.title);
    const annotations = (item as Tool).annotations;
    if (annotations && typeof annotations.title === 'string') out.annotations = { ...annotations, title: prefixTitle(prefix, annotations.title) };
  }
  return out as T;
}
