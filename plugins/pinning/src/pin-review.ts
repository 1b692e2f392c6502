import type { Tool } from '@mcp-switchboard/plugin-api';
import type { PinnedField } from './definition-pin.js';
import type { Lockfile } from './lockfile.js';
import { judgeTool } from './pin-verdict.js';

/** One tool's line in `pins diff`. */
export type PinDifference =
  | { readonly server: string; readonly tool: string; readonly status: 'changed'; readonly fields: readonly PinnedField[]; readonly definition: Tool }
  | { readonly server: string; readonly tool: string; readonly status: 'new'; readonly definition: Tool }
  | { readonly server: string; readonly tool: string; readonly status: 'removed' };

/** The servers' current tools (server's own names), by server id. Only servers that answered are compared. */
export type CurrentTools = Readonly<Record<string, readonly Tool[]>>;

/** A server's `prefix` setting, by server id, where it has one (titles are compared without it). */
export type ServerPrefixes = Readonly<Record<string, string | undefined>>;

/** What differs between the lockfile and the servers' current tools, sorted by server and tool. */
export function diffPins(lock: Lockfile, current: CurrentTools, prefixes: ServerPrefixes = {}): PinDifference[] {
  const out: PinDifference[] = [];
  for (const [server, tools] of Object.entries(current)) {
    const seen = new Set<string>();
    for (const definition of tools) {
      seen.add(definition.name);
      const verdict = judgeTool(lock, { id: server, prefix: prefixes[server] }, definition.name, definition, 'strict');
      if (verdict.state === 'changed') out.push({ server, tool: definition.name, status: 'changed', fields: verdict.fields, definition });
      else if (verdict.state === 'unapproved') out.push({ server, tool: definition.name, status: 'new', definition });
    }
    for (const tool of Object.keys(lock.servers[server] ?? {})) if (!seen.has(tool)) out.push({ server, tool, status: 'removed' });
  }
  return out.sort((a, b) => a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool));
}

/** `server` or `server/tool`; the tool part may itself hold a `/`. */
export function parseTarget(target: string): { server: string; tool: string | undefined } {
  const slash = target.indexOf('/');
  return slash < 0 ? { server: target, tool: undefined } : { server: target.slice(0, slash), tool: target.slice(slash + 1) || undefined };
}

/**
 * Approves the current definitions of `target` (a server, or one tool): the lockfile gets their pins, and a
 * removed tool of an approved server is dropped. Returns the new lockfile and what it approved.
 */
export function approvePins(
  lock: Lockfile,
  current: CurrentTools,
  target: string,
  prefixes: ServerPrefixes = {},
): { lock: Lockfile; approved: PinDifference[] } {
  const { server, tool } = parseTarget(target);
  const approved = diffPins(lock, current, prefixes).filter((d) => d.server === server && (tool === undefined || d.tool === tool));
  const tools = { ...(lock.servers[server] ?? {}) };
  for (const difference of approved) {
    if (difference.status === 'removed') delete tools[difference.tool];
    else tools[difference.tool] = judgeTool(lock, { id: server, prefix: prefixes[server] }, difference.tool, difference.definition, 'strict').pin;
  }
  const servers = { ...lock.servers };
  if (Object.keys(tools).length) servers[server] = tools;
  else delete servers[server];
  return { lock: { version: 1, servers }, approved };
}
