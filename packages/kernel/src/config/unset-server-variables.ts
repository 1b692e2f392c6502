import { mcpServerEntrySchema } from '@mcp-switchboard/plugin-api';
import { formatJsonPath } from '../json-path.js';
import type { MissingVariable } from './interpolate.js';
import type { ConfigNotice } from './load-config.js';

/**
 * The key under which a server entry carries the `${VAR}`s it references that are not set. The app refuses to
 * start such a server (SWB_CONFIG_ENV_MISSING for that server only); every other server starts.
 */
export const UNSET_VARIABLES_KEY = '$unsetVariables';

/** One unset variable of a server: its name and where in the config it is used. */
export interface UnsetVariable {
  variable: string;
  at: string;
}

/** The unset variables recorded on a server entry of a loaded config, if any. */
export function unsetVariablesOf(entry: unknown): UnsetVariable[] | undefined {
  const found = (entry as Record<string, unknown> | null | undefined)?.[UNSET_VARIABLES_KEY];
  return Array.isArray(found) && found.length ? (found as UnsetVariable[]) : undefined;
}

const isServerPath = (path: MissingVariable['path']) => path[0] === 'mcpServers' && typeof path[1] === 'string' && path.length > 2;

/**
 * Splits unset variables into those inside one server's entry (that server alone cannot start; a disabled one
 * does not care) and the rest (a config error). Entries with unset variables are marked, and replaced by a
 * stand-in when the emptied value made them invalid (an empty `url`): the server is listed and shown failed
 * with the reason instead of failing the whole config.
 */
export function settleServerVariables(
  merged: unknown,
  missing: readonly MissingVariable[],
): { config: unknown; rest: MissingVariable[]; notices: ConfigNotice[] } {
  const servers = (merged as { mcpServers?: unknown } | null)?.mcpServers;
  const byServer = new Map<string, MissingVariable[]>();
  const rest: MissingVariable[] = [];
  for (const item of missing) {
    const id = item.path[1] as string;
    const entry = servers && typeof servers === 'object' ? (servers as Record<string, unknown>)[id] : undefined;
    if (!isServerPath(item.path) || entry === null || typeof entry !== 'object') rest.push(item);
    else byServer.set(id, [...(byServer.get(id) ?? []), item]);
  }
  if (byServer.size === 0) return { config: merged, rest, notices: [] };

  const notices: ConfigNotice[] = [];
  const entries: Record<string, unknown> = { ...(servers as Record<string, unknown>) };
  for (const [id, items] of byServer) {
    const entry = entries[id] as Record<string, unknown>;
    const unset: UnsetVariable[] = items.map(({ variable, path }) => ({ variable, at: formatJsonPath(path) }));
    const names = [...new Set(unset.map((u) => u.variable))].join(', ');
    const disabled = entry.disabled === true || entry.enabled === false;
    notices.push(
      disabled
        ? { level: 'info', message: `server "${id}" is disabled; it uses ${names}, which is not set`, fields: { server: id, variables: names } }
        : {
            level: 'warn',
            message: `server "${id}" will not start: ${names} is not set (${unset.map((u) => u.at).join(', ')}); the other servers start`,
            fields: { server: id, variables: names },
          },
    );
    const marked = { ...entry, [UNSET_VARIABLES_KEY]: unset };
    entries[id] = mcpServerEntrySchema.safeParse(marked).success
      ? marked
      : // Never started, so the command is never run; it only keeps the entry listable.
        { command: 'unset-environment-variable', ...pick(entry, ['disabled', 'enabled', 'prefix', 'description']), [UNSET_VARIABLES_KEY]: unset };
  }
  return { config: { ...(merged as object), mcpServers: entries }, rest, notices };
}

function pick(entry: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => entry[key] !== undefined).map((key) => [key, entry[key]]));
}
