import type { Tool } from '@mcp-switchboard/plugin-api';
import { changedFields, pinOf, serverDefinition, type PinnedField, type ToolPin } from './definition-pin.js';
import type { Lockfile } from './lockfile.js';

/** `tofu`: a tool seen for the first time is pinned as it is. `strict`: it waits for approval too. */
export type PinPolicy = 'tofu' | 'strict';

/** How a tool's current definition compares with the lockfile. */
export type PinVerdict =
  | { readonly state: 'pinned'; readonly pin: ToolPin }
  /** Not in the lockfile, and the policy trusts it on first use: pin it now. */
  | { readonly state: 'new'; readonly pin: ToolPin }
  /** Not in the lockfile, and the policy is strict: quarantined until approved. */
  | { readonly state: 'unapproved'; readonly pin: ToolPin }
  /** In the lockfile with another definition: quarantined until approved. */
  | { readonly state: 'changed'; readonly pin: ToolPin; readonly previous: ToolPin; readonly fields: readonly PinnedField[] };

/** Judges a tool, as the hub lists it or as its server does (`server` gives the prefix to take off titles). */
export function judgeTool(
  lock: Lockfile,
  server: { id: string; prefix?: string | undefined },
  originalName: string,
  tool: Tool,
  policy: PinPolicy,
): PinVerdict {
  const serverId = server.id;
  const pin = pinOf(originalName, serverDefinition(tool, server));
  const previous = lock.servers[serverId]?.[originalName];
  if (!previous) return policy === 'strict' ? { state: 'unapproved', pin } : { state: 'new', pin };
  if (previous.hash === pin.hash) return { state: 'pinned', pin };
  return { state: 'changed', pin, previous, fields: changedFields(previous, pin) };
}

export const isQuarantined = (verdict: PinVerdict): verdict is Extract<PinVerdict, { state: 'changed' | 'unapproved' }> =>
  verdict.state === 'changed' || verdict.state === 'unapproved';

/** Codes of the refusals (this plugin's own; documented in its README). */
export const PIN_CHANGED = 'PINNING_DEFINITION_CHANGED';
export const PIN_UNAPPROVED = 'PINNING_NOT_APPROVED';

export interface PinRefusal {
  readonly code: typeof PIN_CHANGED | typeof PIN_UNAPPROVED;
  readonly message: string;
  readonly fix: string;
}

/** The refusal a client reads when it calls a quarantined tool: what changed and the commands that clear it. */
export function refusalFor(serverId: string, originalName: string, verdict: Extract<PinVerdict, { state: 'changed' | 'unapproved' }>): PinRefusal {
  const target = `${serverId}/${originalName}`;
  const fix = `Review it with \`mcp-switchboard pins diff ${serverId}\`, then approve it with \`mcp-switchboard pins approve ${target}\` (the proxy picks the approval up without a restart).`;
  if (verdict.state === 'changed') {
    return {
      code: PIN_CHANGED,
      message: `tool "${originalName}" of server "${serverId}" changed since it was pinned (${verdict.fields.join(', ')}) and is quarantined until approved`,
      fix,
    };
  }
  return {
    code: PIN_UNAPPROVED,
    message: `tool "${originalName}" of server "${serverId}" is new and pinning is strict: it is quarantined until approved`,
    fix,
  };
}
