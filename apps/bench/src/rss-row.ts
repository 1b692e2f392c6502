import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './bench-context.js';
import { proxyCommand } from './bench-context.js';
import { startBenchTarget, type BenchTarget } from './bench-target.js';
import { compare, type ComparisonRow } from './comparison.js';
import { writeProxyConfig, type ServerCommand } from './proxy-config.js';

export const rssServers = 10;

/** Resident set size of a process in MiB (Linux: /proc/<pid>/status VmRSS), NaN elsewhere. */
export function rssMiB(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Lists until `expected` tools are there (servers still starting list fewer), bounded by `deadlineMs`. */
export async function listUntil(target: BenchTarget, expected: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (let count = await target.listTools(); count < expected; count = await target.listTools()) {
    if (Date.now() > until) throw new Error(`${target.label}: listed ${count} tools, expected ${expected}, after ${deadlineMs} ms`);
    await sleep(100);
  }
}

/** A client's view after `tools/list`, idle for a moment: the RSS of the process serving it. */
async function idleRss(target: BenchTarget, expectedTools: number, idleMs: number): Promise<number> {
  await listUntil(target, expectedTools, 30_000);
  await sleep(idleMs);
  if (target.pid === undefined) throw new Error(`${target.label}: no pid to read RSS from`);
  return rssMiB(target.pid);
}

/**
 * The proxy with ten small stdio servers (the echo fixture under ten names), idle after a client listed the
 * catalog; its RSS is held to the absolute bound, and shown against one bare SDK server's RSS.
 */
export async function runRssRow(context: BenchContext): Promise<ComparisonRow[]> {
  const idleMs = context.options.quick ? 200 : 1500;
  const servers: Record<string, ServerCommand> = {};
  for (let i = 0; i < rssServers; i++)
    servers[`echo${i}`] = { command: context.echo.command, args: [...context.echo.args, '--name', `echo${i}`, '--resource-host', `echo${i}`] };
  const config = await writeProxyConfig(context.scratchDir, 'rss', servers);
  const proxyTarget = await startBenchTarget({ label: 'proxy', tool: 'echo0__echo', endpoint: { kind: 'stdio', ...proxyCommand(context, config) } });
  let proxy: number;
  try {
    proxy = await idleRss(proxyTarget, rssServers * 2, idleMs);
  } finally {
    await proxyTarget.close();
  }
  const directTarget = await startBenchTarget({ label: 'direct', tool: 'echo', endpoint: { kind: 'stdio', ...context.echo } });
  let direct: number;
  try {
    direct = await idleRss(directTarget, 2, idleMs);
  } finally {
    await directTarget.close();
  }
  return [
    compare(
      'rss-10-servers',
      `proxy RSS, ${rssServers} stdio servers, idle after listing`,
      'MiB',
      { label: 'proxy', value: proxy },
      { label: 'one bare SDK server', value: direct },
      { on: 'value', op: '<=', bound: 80 },
    ),
  ];
}
