import { spawn, type spawnSync } from 'node:child_process';
import crossSpawn from 'cross-spawn';
import { describe, expect, it } from 'vitest';
import { runTreeKill, spawnFor, treeKill, treeSpawnOptions } from './platform.js';

const windows = { platform: 'win32' as const };
const linux = { platform: 'linux' as const };

describe('process handling per platform (injected platform facts)', () => {
  it('spawns through cross-spawn on Windows (npx is npx.cmd there), the plain spawn elsewhere', async () => {
    expect(await spawnFor(windows)).toBe(crossSpawn);
    expect(await spawnFor(linux)).toBe(spawn);
    expect(await spawnFor({ platform: 'darwin' })).toBe(spawn);
  });

  it('puts a server in its own process group on POSIX; no detached console on Windows', () => {
    expect(treeSpawnOptions(linux)).toEqual({ detached: true, windowsHide: true });
    expect(treeSpawnOptions(windows)).toEqual({ detached: false, windowsHide: true });
  });

  it('kills a tree with a signal to the group on POSIX, with taskkill /T on Windows (/F for SIGKILL)', () => {
    expect(treeKill(4242, 'SIGTERM', linux)).toEqual({ kind: 'group', pgid: 4242, signal: 'SIGTERM' });
    expect(treeKill(4242, 'SIGTERM', windows)).toEqual({ kind: 'taskkill', command: 'taskkill', args: ['/pid', '4242', '/T'] });
    expect(treeKill(4242, 'SIGKILL', windows)).toEqual({ kind: 'taskkill', command: 'taskkill', args: ['/pid', '4242', '/T', '/F'] });
  });

  it('runs taskkill synchronously and reports whether there was a tree to kill', () => {
    const calls: unknown[][] = [];
    const fake = ((command: string, args: string[]) => {
      calls.push([command, args]);
      return { status: args.includes('1') ? 128 : 0 };
    }) as unknown as typeof spawnSync;
    expect(runTreeKill(treeKill(4242, 'SIGKILL', windows), fake)).toBe(true);
    expect(runTreeKill(treeKill(1, 'SIGKILL', windows), fake)).toBe(false);
    expect(calls[0]).toEqual(['taskkill', ['/pid', '4242', '/T', '/F']]);
  });
});
