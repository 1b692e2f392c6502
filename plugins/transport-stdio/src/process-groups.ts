import { readdirSync, readFileSync } from 'node:fs';
import { hostPlatform, runTreeKill, treeKill, type PlatformFacts } from './platform.js';

/**
 * Process groups of the downstream servers we spawned and have not yet seen die. Each server runs detached, as
 * the leader of its own group, so one signal to `-pgid` reaches the server and everything it started.
 *
 * When the proxy exits for any reason Node still runs 'exit' listeners for (process.exit, an uncaught error,
 * the end of the event loop), every group left here is SIGKILLed synchronously, so no child or grandchild
 * outlives the proxy. (Nothing can run when the proxy itself is SIGKILLed.)
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

export function registerProcessGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllProcessGroups);
  }
}

export function unregisterProcessGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** The process groups still registered (for tests and diagnostics). */
export function registeredProcessGroups(): number[] {
  return [...liveGroups];
}

/** SIGKILLs every registered group, synchronously. Installed as a process 'exit' listener. */
export function killAllProcessGroups(): void {
  for (const pgid of liveGroups) signalProcessGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

/**
 * Sends `signal` to every process of group `pgid` (on Windows: the tree below pid `pgid`, with taskkill /T).
 * False when the group no longer exists.
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals, facts: PlatformFacts = hostPlatform()): boolean {
  return runTreeKill(treeKill(pgid, signal, facts));
}

/** Parses `/proc/<pid>/stat`: the state letter and process group of a process, or undefined if it is gone. */
function procStat(pid: number | string): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[2]);
  return state === undefined || Number.isNaN(pgrp) ? undefined : { state, pgrp };
}

const dead = (state: string): boolean => state === 'Z' || state === 'X' || state === 'x';

/**
 * True while any process of group `pgid` is alive. A zombie (exited, not yet reaped because its parent died and
 * the container's init does not reap) counts as dead: it holds no resources and cannot be killed anyway.
 */
export function processGroupAlive(pgid: number): boolean {
  // Windows has no process groups: the leader's life is what can be seen (taskkill /T took its tree).
  if (process.platform === 'win32') return processAlive(pgid);
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat && stat.pgrp === pgid && !dead(stat.state)) return true;
  }
  return false;
}

/** True while process `pid` is alive (zombies count as dead, see processGroupAlive). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  const stat = procStat(pid);
  return stat !== undefined && !dead(stat.state);
}
