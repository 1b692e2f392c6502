import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { proxyCommand } from './bench-context.js';
import type { TargetName } from './bench-options.js';
import type { TargetResult } from './bench-report.js';
import { startBenchTarget, describeEndpoint, type BenchTarget, type BenchTargetSpec } from './bench-target.js';
import { compare, type ComparisonRow } from './comparison.js';
import { runPhase, warmUp, type PhaseSamples } from './measure-target.js';
import { phaseResult } from './phase-result.js';
import { writeProxyConfig } from './proxy-config.js';

export interface EchoOutcome {
  targets: Partial<Record<TargetName, TargetResult>>;
  rows: ComparisonRow[];
}

/**
 * The echo tool over stdio, four ways: direct, through the byte relay (the floor: no parsing at all), through the
 * message relay (the floor of a proxy that parses and re-serializes every message) and through the proxy. Sequential phase = one call in flight; concurrent phase = `concurrency` calls in flight.
 */
export async function runEchoRow(context: BenchContext): Promise<EchoOutcome> {
  const { options, echo } = context;
  const specs: Record<TargetName, BenchTargetSpec> = {
    direct: { label: 'direct', tool: 'echo', endpoint: { kind: 'stdio', ...echo } },
    relay: {
      label: 'relay',
      tool: 'echo',
      endpoint: { kind: 'stdio', command: process.execPath, args: [join(context.distDir, 'byte-relay.js'), echo.command, ...echo.args] },
    },
    messages: {
      label: 'message relay',
      tool: 'echo',
      endpoint: { kind: 'stdio', command: process.execPath, args: [join(context.distDir, 'message-relay.js'), echo.command, ...echo.args] },
    },
    proxy: {
      label: 'proxy',
      tool: 'echo__echo',
      endpoint: { kind: 'stdio', ...proxyCommand(context, await writeProxyConfig(context.scratchDir, 'echo', { echo })) },
    },
  };

  const targets = new Map<TargetName, BenchTarget>();
  const results: Partial<Record<TargetName, TargetResult>> = {};
  try {
    for (const name of options.targets) targets.set(name, await startBenchTarget(specs[name]));
    for (const target of targets.values()) await warmUp(target, options.warmup, options.concurrency, context.text);
    const sequential = new Map<TargetName, PhaseSamples[]>(options.targets.map((name) => [name, []]));
    const concurrent = new Map<TargetName, PhaseSamples[]>(options.targets.map((name) => [name, []]));
    for (let round = 0; round < options.rounds; round++) {
      // Targets alternate within a phase, and the order reverses between rounds: drift in the machine's speed
      // and any order effect hit every side alike.
      const order = round % 2 === 0 ? options.targets : [...options.targets].reverse();
      for (const name of order) sequential.get(name)!.push(await runPhase(targets.get(name)!, options.calls, 1, context.text));
      for (const name of order) {
        concurrent.get(name)!.push(await runPhase(targets.get(name)!, options.concurrentCalls, options.concurrency, context.text));
      }
    }
    for (const [name, target] of targets) {
      results[name] = {
        label: target.label,
        tool: target.tool,
        commandLine: describeEndpoint(specs[name].endpoint),
        sequential: phaseResult(sequential.get(name)!, options.calls, 1),
        concurrent: phaseResult(concurrent.get(name)!, options.concurrentCalls, options.concurrency),
        closeMs: Number.NaN,
      };
    }
  } finally {
    for (const [name, target] of targets) {
      const closeMs = await target.close();
      if (results[name]) results[name].closeMs = closeMs;
    }
  }
  return { targets: results, rows: echoRows(results, options.concurrency) };
}

/** The proxy's p50 and throughput against one relay; the targets apply to the byte relay only. */
function relayRows(
  proxy: TargetResult,
  relay: TargetResult,
  reference: { label: string; idSuffix: string; targets: boolean },
  concurrency: number,
): ComparisonRow[] {
  return [
    compare(
      `echo-p50${reference.idSuffix}`,
      'echo p50, one call in flight, stdio',
      'ms',
      { label: 'proxy', value: proxy.sequential.latency.p50 },
      { label: reference.label, value: relay.sequential.latency.p50 },
      reference.targets ? { on: 'ratio', op: '<=', bound: 1.15 } : undefined,
    ),
    compare(
      `echo-throughput${reference.idSuffix}`,
      `echo throughput, ${concurrency} in flight, stdio`,
      'calls/s',
      { label: 'proxy', value: proxy.concurrent.callsPerSecond },
      { label: reference.label, value: relay.concurrent.callsPerSecond },
      reference.targets ? { on: 'ratio', op: '>=', bound: 0.8 } : undefined,
      { subject: proxy.concurrent.callsPerSecondByRound, reference: relay.concurrent.callsPerSecondByRound },
    ),
  ];
}

function echoRows(results: Partial<Record<TargetName, TargetResult>>, concurrency: number): ComparisonRow[] {
  const { direct, relay, messages, proxy } = results;
  if (!proxy) return [];
  const rows: ComparisonRow[] = [];
  if (relay) rows.push(...relayRows(proxy, relay, { label: 'byte relay', idSuffix: '', targets: true }, concurrency));
  // No target: what a proxy that must read each message costs at least, on this machine.
  if (messages) rows.push(...relayRows(proxy, messages, { label: 'message relay', idSuffix: '-messages', targets: false }, concurrency));
  if (direct) {
    rows.push(
      compare(
        `echo-p99`,
        `echo p99 under ${concurrency} in flight, stdio`,
        'ms',
        { label: 'proxy', value: proxy.concurrent.latency.p99 },
        { label: 'direct', value: direct.concurrent.latency.p99 },
        { on: 'ratio', op: '<=', bound: 1.5 },
      ),
    );
  }
  return rows;
}
