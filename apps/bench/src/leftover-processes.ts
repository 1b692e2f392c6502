import { readdirSync, readFileSync } from 'node:fs';

/**
 * Pids of live processes whose command line contains `marker` (every process the bench starts, the proxy's
 * own children included, carries the run's marker). Linux only: elsewhere it finds nothing.
 */
export function findLeftoverProcesses(marker: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.includes(marker) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // Gone between readdir and read: not a leftover.
    }
  }
  return pids;
}
