import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from './bench-context.js';
import { proxyCommand } from './bench-context.js';
import { startBenchTarget, type BenchTarget } from './bench-target.js';
import { compare, median, type ComparisonRow } from './comparison.js';
import { writeProxyConfig, type ServerCommand } from './proxy-config.js';
import { listUntil } from './rss-row.js';

const servers = 10;
const toolsPerServer = 500;

async function timeList(target: BenchTarget, expected: number): Promise<number> {
  const started = performance.now();
  const count = await target.listTools();
  const ms = performance.now() - started;
  if (count !== expected) throw new Error(`${target.label}: listed ${count} tools, expected ${expected}`);
  return ms;
}

/**
 * A full `tools/list` (every page) of 5,000 tools: through the proxy from ten servers of 500, against one server
 * holding all 5,000 (the client's own parsing is the floor). Runs alternate between the two.
 */
export async function runListRow(context: BenchContext): Promise<ComparisonRow[]> {
  const total = servers * toolsPerServer;
  const script = join(context.distDir, 'many-tools-server.js');
  const server = (tools: number, prefix: string): ServerCommand => ({
    command: process.execPath,
    args: [script, '--tools', String(tools), '--prefix', prefix, `--bench-run=${context.marker}`],
  });
  const many: Record<string, ServerCommand> = {};
  for (let i = 0; i < servers; i++) many[`s${i}`] = server(toolsPerServer, '');
  const config = await writeProxyConfig(context.scratchDir, 'list', many);
  const targets: BenchTarget[] = [];
  try {
    const proxy = await startBenchTarget({ label: 'proxy', tool: '', endpoint: { kind: 'stdio', ...proxyCommand(context, config) } });
    targets.push(proxy);
    const direct = await startBenchTarget({ label: 'one server', tool: '', endpoint: { kind: 'stdio', ...server(total, '') } });
    targets.push(direct);
    await listUntil(proxy, total, 30_000);
    await timeList(direct, total);
    const samples = { proxy: [] as number[], direct: [] as number[] };
    for (let i = 0; i < context.options.lists; i++) {
      const order =
        i % 2 === 0
          ? ([
              ['proxy', proxy],
              ['direct', direct],
            ] as const)
          : ([
              ['direct', direct],
              ['proxy', proxy],
            ] as const);
      for (const [side, target] of order) samples[side].push(await timeList(target, total));
    }
    return [
      compare(
        'list-5000',
        `tools/list of ${total.toLocaleString('en-US')} tools (${servers} × ${toolsPerServer}), all pages`,
        'ms',
        { label: 'proxy', value: median(samples.proxy) },
        { label: 'one server with all', value: median(samples.direct) },
        { on: 'ratio', op: '<=', bound: 1.1 },
        { subject: samples.proxy, reference: samples.direct },
      ),
    ];
  } finally {
    for (const target of targets) await target.close();
  }
}
