import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';

/**
 * What the process-management code needs to know about the machine, injectable so the Windows branch is tested
 * on Linux CI.
 */
export interface PlatformFacts {
  platform: NodeJS.Platform;
}

export const hostPlatform = (): PlatformFacts => ({ platform: process.platform });

const isWindows = (facts: PlatformFacts) => facts.platform === 'win32';

/**
 * The spawn to start a server with. On Windows `npx`, `npm` and most installed tools are `.cmd` shims, which
 * `child_process.spawn` cannot run without a shell; cross-spawn finds them through PATHEXT and quotes the
 * arguments for cmd.exe (loaded there only). Elsewhere the plain spawn (no shell, arguments passed as they are).
 */
export async function spawnFor(facts: PlatformFacts): Promise<typeof spawn> {
  return isWindows(facts) ? (await import('cross-spawn')).default : spawn;
}

/**
 * Spawn options that put the server in a tree we can take down whole: on POSIX its own process group
 * (`detached`), killed with one signal to `-pgid`; on Windows, where `detached` means a new console window, the
 * tree is ended with `taskkill /T` instead.
 */
export function treeSpawnOptions(facts: PlatformFacts): Pick<SpawnOptions, 'detached' | 'windowsHide'> {
  return { detached: !isWindows(facts), windowsHide: true };
}

/** How to deliver `signal` to the tree led by `pid`: a signal to the process group, or taskkill. */
export type TreeKill = { kind: 'group'; pgid: number; signal: NodeJS.Signals } | { kind: 'taskkill'; command: 'taskkill'; args: string[] };

export function treeKill(pid: number, signal: NodeJS.Signals, facts: PlatformFacts): TreeKill {
  if (!isWindows(facts)) return { kind: 'group', pgid: pid, signal };
  // Without /F taskkill asks the windows to close (console servers ignore it); SIGKILL forces.
  return { kind: 'taskkill', command: 'taskkill', args: ['/pid', String(pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])] };
}

/** Runs a TreeKill; false when there was nothing to kill. Synchronous: it also runs in the process 'exit' hook. */
export function runTreeKill(plan: TreeKill, run: typeof spawnSync = spawnSync): boolean {
  if (plan.kind === 'group') {
    try {
      process.kill(-plan.pgid, plan.signal);
      return true;
    } catch {
      return false;
    }
  }
  const result = run(plan.command, plan.args, { windowsHide: true, stdio: 'ignore' });
  return result.status === 0;
}
