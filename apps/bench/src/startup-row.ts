import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from './bench-context.js';
import { proxyCommand } from './bench-context.js';
import { compare, median, type ComparisonRow } from './comparison.js';
import { writeProxyConfig, type ServerCommand } from './proxy-config.js';

const initialize = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'switchboard-bench', version: '0.0.0' } },
})}\n`;

/**
 * Spawns the command, writes `initialize` at once and resolves with the ms until its answer's line arrives;
 * then ends stdin and waits (bounded: SIGKILL after 5 s) until the process is gone.
 */
function timeToInitialize(server: ServerCommand): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(server.command, server.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let answeredAt: number | undefined;
    let out = '';
    let err = '';
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (answeredAt !== undefined) return;
      out += chunk.toString();
      if (/"id"\s*:\s*1\b/.test(out) && out.includes('\n')) {
        answeredAt = performance.now() - started;
        child.stdin.end();
        clearTimeout(kill);
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(kill);
      if (answeredAt !== undefined) resolve(answeredAt);
      else reject(new Error(`${server.args[0]} exited without answering initialize\n--- its stderr ---\n${err}`));
    });
    child.stdin.write(initialize);
  });
}

/** Spawns the command and resolves with the ms until it exits (for `--help`). */
function timeToExit(server: ServerCommand): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(server.command, server.args, { stdio: ['ignore', 'ignore', 'ignore'] });
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(kill);
      resolve(performance.now() - started);
    });
  });
}

/**
 * Time from spawn to the `initialize` answer: the proxy (one stdio server configured) against a bare SDK server
 * (the echo fixture), alternating; and `--help` against `node -e 0`, the runtime's own start.
 */
export async function runStartupRow(context: BenchContext): Promise<ComparisonRow[]> {
  const config = await writeProxyConfig(context.scratchDir, 'startup', { echo: context.echo });
  const proxy = proxyCommand(context, config);
  const help: ServerCommand = { command: process.execPath, args: [context.proxyCli, '--help'] };
  const bare: ServerCommand = { command: process.execPath, args: ['-e', '0'] };
  const samples = { proxy: [] as number[], sdk: [] as number[], help: [] as number[], node: [] as number[] };
  // One start of each first, not measured: the file-system cache is warm for both sides (skipped when quick).
  if (!context.options.quick) {
    await timeToInitialize(proxy);
    await timeToInitialize(context.echo);
  }
  for (let i = 0; i < context.options.startups; i++) {
    if (i % 2 === 0) {
      samples.proxy.push(await timeToInitialize(proxy));
      samples.sdk.push(await timeToInitialize(context.echo));
    } else {
      samples.sdk.push(await timeToInitialize(context.echo));
      samples.proxy.push(await timeToInitialize(proxy));
    }
    samples.help.push(await timeToExit(help));
    samples.node.push(await timeToExit(bare));
  }
  return [
    compare(
      'startup-initialize',
      'time to the initialize answer, stdio',
      'ms',
      { label: 'proxy', value: median(samples.proxy) },
      { label: 'bare SDK server', value: median(samples.sdk) },
      { on: 'ratio', op: '<=', bound: 1.3 },
      { subject: samples.proxy, reference: samples.sdk },
    ),
    compare(
      'startup-help',
      '`mcp-switchboard --help` until exit',
      'ms',
      { label: 'proxy --help', value: median(samples.help) },
      { label: 'node -e 0', value: median(samples.node) },
      undefined,
      { subject: samples.help, reference: samples.node },
    ),
  ];
}
