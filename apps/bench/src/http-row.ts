import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { proxyCommand } from './bench-context.js';
import { startBenchTarget, type BenchTarget } from './bench-target.js';
import { freePort, startChild, waitForPort, type BenchChild } from './child-process.js';
import { compare, type ComparisonRow } from './comparison.js';
import { phaseResult, type PhaseResult } from './phase-result.js';
import type { PhaseSamples } from './measure-target.js';
import { writeProxyConfig } from './proxy-config.js';
import { runSessionsPhase } from './session-phase.js';

export interface HttpOutcome {
  sessions: number;
  proxy: PhaseResult;
  direct: PhaseResult;
  rows: ComparisonRow[];
}

type Side = 'direct' | 'proxy';

/**
 * `concurrency` client sessions over Streamable HTTP, one call in flight each: through the proxy's HTTP front
 * door (its echo server over stdio) against the SDK's own Streamable HTTP server hosting the same tool.
 */
export async function runHttpRow(context: BenchContext): Promise<HttpOutcome> {
  const { options } = context;
  const [proxyPort, directPort] = [await freePort(), await freePort()];
  const config = await writeProxyConfig(context.scratchDir, 'http', { echo: context.echo });
  const proxyArgs = proxyCommand(context, config, ['--transport', 'streamable-http', '--host', '127.0.0.1', '--port', String(proxyPort)]);
  const children: BenchChild[] = [];
  const sessions: Record<Side, BenchTarget[]> = { direct: [], proxy: [] };
  try {
    children.push(startChild(proxyArgs.command, proxyArgs.args));
    children.push(startChild(process.execPath, [join(context.distDir, 'http-echo-server.js'), '--port', String(directPort), `--bench-run=${context.marker}`]));
    await waitForPort(proxyPort, 15_000, 'the proxy (HTTP front door)').catch((error: Error) => {
      throw new Error(`${error.message}\n--- its stderr ---\n${children[0]!.stderrTail()}`);
    });
    await waitForPort(directPort, 15_000, 'the SDK HTTP echo server');
    const endpoints: Record<Side, { url: string; tool: string }> = {
      proxy: { url: `http://127.0.0.1:${proxyPort}/mcp`, tool: 'echo__echo' },
      direct: { url: `http://127.0.0.1:${directPort}/mcp`, tool: 'echo' },
    };
    for (const side of ['direct', 'proxy'] as const) {
      for (let i = 0; i < options.concurrency; i++) {
        const { url, tool } = endpoints[side];
        sessions[side].push(await startBenchTarget({ label: `${side} (HTTP)`, tool, endpoint: { kind: 'streamable-http', url } }));
      }
      const warm = await runSessionsPhase(sessions[side], Math.max(options.warmup, options.concurrency * 2), context.text);
      if (warm.errors) throw new Error(`${side} (HTTP): warm-up calls failed: ${warm.firstError}`);
    }
    const samples: Record<Side, PhaseSamples[]> = { direct: [], proxy: [] };
    for (let round = 0; round < options.rounds; round++) {
      const order: Side[] = round % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
      for (const side of order) samples[side].push(await runSessionsPhase(sessions[side], options.httpCalls, context.text));
    }
    const proxy = phaseResult(samples.proxy, options.httpCalls, options.concurrency);
    const direct = phaseResult(samples.direct, options.httpCalls, options.concurrency);
    const rows = [
      compare(
        'http-throughput',
        `echo throughput, ${options.concurrency} sessions, HTTP front door`,
        'calls/s',
        { label: 'proxy', value: proxy.callsPerSecond },
        { label: 'SDK HTTP server', value: direct.callsPerSecond },
        { on: 'ratio', op: '>=', bound: 0.8 },
        { subject: proxy.callsPerSecondByRound, reference: direct.callsPerSecondByRound },
      ),
    ];
    return { sessions: options.concurrency, proxy, direct, rows };
  } finally {
    await Promise.all([...sessions.direct, ...sessions.proxy].map((session) => session.close().catch(() => 0)));
    await Promise.all(children.map((child) => child.stop()));
  }
}
