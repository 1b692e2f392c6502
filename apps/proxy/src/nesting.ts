import { realpathSync } from 'node:fs';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { SWITCHBOARD_CHAIN_ENV, processAlive } from '@mcp-switchboard/plugin-transport-stdio';

/** One Switchboard above us: its pid and the config it runs (a real path, or a label when it has no file). */
export interface ChainLink {
  pid: number;
  config: string;
}

/** More Switchboards than this above one another is a loop, whatever their configs. */
export const MAX_NESTING = 4;

/**
 * The Switchboards above this process, from the marker they put in our environment (nearest last). This process
 * itself is left out: an app that boots Switchboard twice in one process has marked its own environment.
 */
export function readChain(env: NodeJS.ProcessEnv): ChainLink[] {
  const raw = env[SWITCHBOARD_CHAIN_ENV];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((link): link is ChainLink => typeof link?.pid === 'number' && typeof link?.config === 'string' && link.pid !== process.pid);
  } catch {
    // A marker we cannot read still says a Switchboard is above us.
    return [{ pid: 0, config: '(unreadable marker)' }];
  }
}

/** How a config is named in the chain: its real path, so two spellings of one file compare equal. */
export function configIdentity(filepath: string | undefined): string {
  if (filepath === undefined) return '(no config file)';
  try {
    return realpathSync(filepath);
  } catch {
    return filepath;
  }
}

/**
 * Refuses to run as a downstream of a Switchboard that runs the same config (a client config that lists
 * Switchboard itself starts it inside itself, forever), or below too many Switchboards.
 */
export function nestingError(chain: readonly ChainLink[], config: string): SwitchboardError | undefined {
  const same = chain.find((link) => link.config === config);
  if (same) {
    return new SwitchboardError(
      'SWB_NESTED_SWITCHBOARD',
      `this Switchboard was started as a server by another Switchboard (pid ${same.pid}) that runs the same config ${config}; the config lists Switchboard itself, so it is skipped instead of starting itself again and again`,
      { details: { config, parentPid: same.pid, depth: chain.length } },
    );
  }
  if (chain.length >= MAX_NESTING) {
    return new SwitchboardError(
      'SWB_NESTED_SWITCHBOARD',
      `this Switchboard would run below ${chain.length} other Switchboards (pids ${chain.map((l) => l.pid).join(', ')}); that many is a loop between configs, so it is skipped`,
      { details: { config, depth: chain.length } },
    );
  }
  return undefined;
}

/** The marker our own children get: the chain above us plus us. */
export function extendChain(chain: readonly ChainLink[], self: ChainLink): string {
  return JSON.stringify([...chain, self]);
}

/**
 * Calls `onGone` once the nearest Switchboard above us has ended. Wrappers (`npx`, `sh -c`) stay alive when it
 * is killed, so our own parent pid does not tell; a Switchboard whose parent is gone stops, and takes its
 * servers with it, instead of running on as an orphan. The timer never keeps the process alive.
 */
export function watchParentSwitchboard(chain: readonly ChainLink[], onGone: () => void, intervalMs = 1000): () => void {
  const parent = chain.at(-1)?.pid;
  if (!parent) return () => undefined;
  const timer = setInterval(() => {
    // processAlive, not kill(pid, 0): a killed parent nobody reaps stays a zombie, which kill(pid, 0) still finds.
    if (processAlive(parent)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
