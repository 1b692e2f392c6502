import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext } from './bench-context.js';
import { proxyCommand } from './bench-context.js';
import { startBenchTarget, type BenchTarget } from './bench-target.js';
import { freePort, startChild, waitForPort, type BenchChild } from './child-process.js';
import { compare, type ComparisonRow } from './comparison.js';
import { runPhase, warmUp, type PhaseSamples } from './measure-target.js';
import { phaseResult } from './phase-result.js';
import { writeProxyConfig } from './proxy-config.js';
import { listUntil } from './rss-row.js';

const run = promisify(execFile);
export const mcpHubRange = '^4';

export type PeersOutcome = { rows: ComparisonRow[]; skipped?: string };

/** mcp-hub's CLI, installed on demand into apps/bench/.peers (not a dependency of the repository). */
async function installMcpHub(peersDir: string, log: (line: string) => void): Promise<string> {
  const cli = join(peersDir, 'node_modules', 'mcp-hub', 'dist', 'cli.js');
  if (existsSync(cli)) return cli;
  log(`installing mcp-hub@${mcpHubRange} into ${peersDir} (once)`);
  await mkdir(peersDir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(npm, ['install', '--prefix', peersDir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `mcp-hub@${mcpHubRange}`], {
    timeout: 180_000,
  });
  if (!existsSync(cli)) throw new Error(`npm installed mcp-hub but ${cli} is missing (its layout changed?)`);
  return cli;
}

/**
 * mcp-hub (its `/mcp` endpoint speaks the legacy SSE transport) against Switchboard's HTTP front door on its SSE
 * endpoint, with the same client, the same echo fixture behind both: one call in flight, then `concurrency`.
 */
export async function runPeersRow(context: BenchContext): Promise<PeersOutcome> {
  let hubCli: string;
  try {
    hubCli = await installMcpHub(join(context.distDir, '..', '.peers'), context.log);
  } catch (error) {
    return { rows: [], skipped: `mcp-hub could not be installed here: ${(error as Error).message.split('\n')[0]}` };
  }
  const { options } = context;
  const [hubPort, proxyPort] = [await freePort(), await freePort()];
  const hubConfig = await writeProxyConfig(context.scratchDir, 'mcp-hub', { echo: context.echo });
  const proxyConfig = await writeProxyConfig(context.scratchDir, 'peer-proxy', { echo: context.echo });
  const proxy = proxyCommand(context, proxyConfig, ['--transport', 'streamable-http', '--host', '127.0.0.1', '--port', String(proxyPort)]);
  // mcp-hub keeps logs and a workspace cache under XDG_STATE_HOME: point it at the run's scratch directory.
  const hubEnv = { ...process.env, XDG_STATE_HOME: context.scratchDir, XDG_CONFIG_HOME: context.scratchDir, XDG_DATA_HOME: context.scratchDir };
  const children: BenchChild[] = [];
  const targets: BenchTarget[] = [];
  try {
    children.push(startChild(process.execPath, [hubCli, '--port', String(hubPort), '--config', hubConfig], hubEnv));
    children.push(startChild(proxy.command, proxy.args));
    await waitForPort(hubPort, 30_000, 'mcp-hub').catch((error: Error) => {
      throw new Error(`${error.message}\n--- its stderr ---\n${children[0]!.stderrTail()}`);
    });
    await waitForPort(proxyPort, 15_000, 'the proxy (HTTP front door)');
    const hub = await startBenchTarget({ label: 'mcp-hub', tool: 'echo__echo', endpoint: { kind: 'sse', url: `http://127.0.0.1:${hubPort}/mcp` } });
    targets.push(hub);
    const switchboard = await startBenchTarget({
      label: 'switchboard',
      tool: 'echo__echo',
      endpoint: { kind: 'sse', url: `http://127.0.0.1:${proxyPort}/sse` },
    });
    targets.push(switchboard);
    for (const target of targets) {
      await listUntil(target, 2, 30_000);
      await warmUp(target, options.warmup, options.concurrency, context.text);
    }
    const sequential: PhaseSamples[][] = [[], []];
    const concurrent: PhaseSamples[][] = [[], []];
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) sequential[i]!.push(await runPhase(targets[i]!, options.calls, 1, context.text));
      for (const i of order) concurrent[i]!.push(await runPhase(targets[i]!, options.concurrentCalls, options.concurrency, context.text));
    }
    const seq = sequential.map((s) => phaseResult(s, options.calls, 1));
    const conc = concurrent.map((s) => phaseResult(s, options.concurrentCalls, options.concurrency));
    const failure = [...seq, ...conc].find((phase) => phase.errors);
    if (failure) throw new Error(`peer row: calls failed: ${failure.firstError}`);
    return {
      rows: [
        compare(
          'peer-mcp-hub-p50',
          'echo p50, one call in flight, SSE',
          'ms',
          { label: 'switchboard', value: seq[1]!.latency.p50 },
          { label: 'mcp-hub', value: seq[0]!.latency.p50 },
        ),
        compare(
          'peer-mcp-hub-throughput',
          `echo throughput, ${options.concurrency} in flight, SSE`,
          'calls/s',
          { label: 'switchboard', value: conc[1]!.callsPerSecond },
          { label: 'mcp-hub', value: conc[0]!.callsPerSecond },
        ),
      ],
    };
  } finally {
    for (const target of targets) await target.close().catch(() => 0);
    await Promise.all(children.map((child) => child.stop()));
  }
}
