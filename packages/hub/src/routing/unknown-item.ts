import { ErrorCode, RpcError, switchboardRpcError } from '../util/rpc-error.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import { normalizeName } from '../catalog/namespace.js';
import type { HubContext } from '../context.js';
import { closestMatches } from '../util/suggest.js';

/**
 * The error for a tool or prompt name that is not in the snapshot: hidden by configuration, held for a server
 * that is down, under the prefix of a server that is down, or unknown (with the closest names).
 */
export function unknownItem(ctx: HubContext, kind: 'tool' | 'prompt', name: string, snapshot: CatalogSnapshot): RpcError {
  const Kind = kind === 'tool' ? 'Tool' : 'Prompt';
  const unlisted = (kind === 'tool' ? snapshot.unlistedTools : snapshot.unlistedPrompts).get(name);
  if (unlisted?.reason === 'hidden') {
    // Hidden on purpose: say so, and suggest nothing (a near name would lead to another server's item).
    const data = { name, server: unlisted.serverId };
    const message =
      `${Kind} "${name}" is hidden by configuration (a filter, or it is switched off in the plugged.in App), ` +
      `so it cannot be ${kind === 'tool' ? 'called' : 'used'}; change the allow/deny rules to expose it`;
    return kind === 'tool'
      ? switchboardRpcError(ErrorCode.InvalidParams, 'SWB_TOOL_DENIED', message, data)
      : new RpcError(ErrorCode.InvalidParams, message, data);
  }
  if (unlisted?.reason === 'server-down') {
    // A name clients were given, held for its server while that server is down.
    const connection = ctx.connection(unlisted.serverId);
    if (connection) {
      const down = connection.unavailableError();
      return new RpcError(down.code, `${Kind} "${name}" cannot be reached: ${down.message}`, down.data);
    }
  }
  // A name under the prefix of a server that is down: say so rather than "unknown".
  const separator = normalizeName(ctx.config.namespace.separator);
  for (const connection of ctx.connections()) {
    if (!snapshot.serverIds.has(connection.id) || connection.isReady) continue;
    const prefix = `${normalizeName(connection.definition.prefix ?? connection.id)}${separator}`;
    if (name.startsWith(prefix)) {
      const down = connection.unavailableError();
      return new RpcError(down.code, `${Kind} "${name}" cannot be reached: ${down.message}`, down.data);
    }
  }
  const entries = kind === 'tool' ? snapshot.tools : snapshot.prompts;
  const suggestions = closestMatches(
    name,
    entries.map((e) => ({ name: e.exposedName, aliases: [e.originalName] })),
  );
  const hint = suggestions.length ? ` Did you mean: ${suggestions.join(', ')}?` : ` Call ${kind}s/list for the available ${kind}s.`;
  const data = { name, suggestions };
  return kind === 'tool'
    ? switchboardRpcError(ErrorCode.InvalidParams, 'SWB_TOOL_UNKNOWN', `Unknown tool "${name}".${hint}`, data)
    : new RpcError(ErrorCode.InvalidParams, `Unknown prompt "${name}".${hint}`, data);
}
