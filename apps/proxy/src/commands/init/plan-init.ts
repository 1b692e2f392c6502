import type { ClientConfigLocation } from './client-configs.js';

/** A client config that was found, with its servers. */
export interface FoundClientConfig extends ClientConfigLocation {
  /** The whole file as read. */
  content: Record<string, unknown>;
  /** Its servers, minus any Switchboard entry (which is what it will point at). */
  servers: Record<string, Record<string, unknown>>;
  /** Names of Switchboard entries already there. */
  switchboardEntries: string[];
}

/** What `init` will do: the Switchboard config to write and each client's new config. */
export interface InitPlan {
  config: { mcpServers: Record<string, Record<string, unknown>> };
  /** Where each server came from (`name` → `client`), for the report. */
  origins: Record<string, string>;
  clients: Array<{ found: FoundClientConfig; replacement: Record<string, unknown> }>;
}

/** The name Switchboard's own entry gets in a client config. */
export const SWITCHBOARD_ENTRY = 'switchboard';

/** An entry that runs Switchboard itself (by any launcher): it is kept out of the servers Switchboard runs. */
export function isSwitchboardEntry(entry: Record<string, unknown>): boolean {
  const words = [entry.command, ...(Array.isArray(entry.args) ? entry.args : [])].filter((w): w is string => typeof w === 'string');
  return words.some((word) => /(^|[\\/@])mcp-switchboard(@[^\s/]*)?$|mcp-switchboard[\\/]dist[\\/]cli\.js$/.test(word));
}

/** Splits a client config's server map into its servers and the Switchboard entries in it. */
export function readServers(content: Record<string, unknown>, key: ClientConfigLocation['key']): Pick<FoundClientConfig, 'servers' | 'switchboardEntries'> {
  const map = content[key];
  const servers: Record<string, Record<string, unknown>> = {};
  const switchboardEntries: string[] = [];
  if (map && typeof map === 'object' && !Array.isArray(map)) {
    for (const [name, entry] of Object.entries(map as Record<string, unknown>)) {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) continue;
      if (isSwitchboardEntry(entry as Record<string, unknown>)) switchboardEntries.push(name);
      else servers[name] = entry as Record<string, unknown>;
    }
  }
  return { servers, switchboardEntries };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** VS Code's `servers` entries carry `type: "stdio"`; Switchboard's format does not need it. */
function asSwitchboardEntry(entry: Record<string, unknown>, key: ClientConfigLocation['key']): Record<string, unknown> {
  if (key !== 'servers' || entry.type !== 'stdio') return entry;
  const { type: _type, ...rest } = entry;
  return rest;
}

/**
 * Merges the servers of every client config into one Switchboard config (the same server in two clients once;
 * two different servers of one name as `<name>-<client>`), and builds each client's config with its servers
 * replaced by one entry that runs Switchboard on that file. The client's other settings are kept.
 */
export function planInit(found: readonly FoundClientConfig[], switchboardCommand: { command: string; args: string[] }): InitPlan {
  const mcpServers: Record<string, Record<string, unknown>> = {};
  const origins: Record<string, string> = {};
  for (const config of found) {
    for (const [name, raw] of Object.entries(config.servers)) {
      const entry = asSwitchboardEntry(raw, config.key);
      if (!(name in mcpServers)) {
        mcpServers[name] = entry;
        origins[name] = config.client;
      } else if (!same(mcpServers[name], entry)) {
        const alias = `${name}-${config.client.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
        mcpServers[alias] = entry;
        origins[alias] = config.client;
      }
    }
  }
  const clients = found
    .filter((config) => Object.keys(config.servers).length > 0 || config.switchboardEntries.length > 0)
    .map((config) => {
      const entry = config.key === 'servers' ? { type: 'stdio', ...switchboardCommand } : { ...switchboardCommand };
      return { found: config, replacement: { ...config.content, [config.key]: { [SWITCHBOARD_ENTRY]: entry } } };
    });
  return { config: { mcpServers }, origins, clients };
}
