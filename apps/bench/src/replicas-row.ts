// The `replicas` row of `npm run bench`: throughput of 2 Switchboard replicas behind HAProxy (deploy/haproxy.cfg)
// against 1 replica reached directly, in the same run, same clients, same echo server. Needs the haproxy binary
// (Debian: apt-get install -y haproxy); without it the row is skipped, saying so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { proxyCommand, type BenchContext } from './bench-context.js';
import { compare, median, type ComparisonRow } from './comparison.js';
import { writeProxyConfig } from './proxy-config.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** deploy/haproxy.cfg with loopback ports and fast checks (as apps/proxy/test/haproxy.test.ts does). */
function haproxyConfig(frontPort: number, replicaPorts: number[]): string {
  let server = 0;
  return readFileSync(join(repoRoot, 'deploy', 'haproxy.cfg'), 'utf8')
    .split('\n')
    .flatMap((line) => {
      const directive = line.trim().split(/\s+/)[0];
      if (directive === 'bind') return [`    bind 127.0.0.1:${frontPort}`];
      if (directive === 'default-server') return ['    default-server inter 500ms fall 2 rise 1'];
      if (directive === 'server') {
        const port = replicaPorts[server++];
        return port ? [`    server switchboard-${server} 127.0.0.1:${port} check`] : [];
      }
      return [line];
    })
    .join('\n');
}

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  await closed;
}

/** `sessions` SDK clients on `url`; `calls` echo calls spread over them, one in flight per session. Calls/s. */
async function measure(clients: Client[], calls: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < calls) {
        const text = `call-${next++}`;
        const result = await client.request({ method: 'tools/call', params: { name: 'echo__echo', arguments: { text } } }, CallToolResultSchema);
        const first = result.content[0];
        if (first?.type !== 'text' || first.text !== text) throw new Error(`wrong answer: ${JSON.stringify(result).slice(0, 200)}`);
      }
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

async function connect(url: string, sessions: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: sessions }, async () => {
      const client = new Client({ name: 'switchboard-bench-replicas', version: '0.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      return client;
    }),
  );
}

export interface ReplicasOutcome {
  rows: ComparisonRow[];
  skipped?: string;
}

/**
 * 16 sessions of echo calls over Streamable HTTP, sides alternating by round: replica A alone (direct), then both
 * replicas behind HAProxy. Close to 2× needs a free core per replica; on 2 cores clients, HAProxy and both replicas
 * share them, which the row's label says.
 */
export async function runReplicasRow(context: BenchContext): Promise<ReplicasOutcome> {
  if (spawnSync('haproxy', ['-v']).status !== 0)
    return { rows: [], skipped: 'replicas: the haproxy binary is not installed (Debian: apt-get install -y haproxy)' };
  const sessions = 16;
  const calls = context.options.quick ? 300 : context.options.httpCalls * 3;
  const children: ChildProcess[] = [];
  const clients: Client[] = [];
  try {
    // In the run's scratch folder: the marker on every command line lets the leak check find these processes.
    const config = await writeProxyConfig(context.scratchDir, 'replicas', { echo: context.echo });
    const [frontPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    for (const port of [portA, portB]) {
      const { command, args } = proxyCommand(context, config, ['--transport', 'streamable-http', '--host', '127.0.0.1', '--port', String(port)]);
      children.push(start(command, args));
    }
    for (const port of [portA, portB]) await until(`replica on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200);
    const haproxyFile = join(context.scratchDir, 'haproxy.cfg');
    writeFileSync(haproxyFile, haproxyConfig(frontPort, [portA, portB]));
    children.push(start('haproxy', ['-db', '-f', haproxyFile]));
    await until('HAProxy', async () => (await fetch(`http://127.0.0.1:${frontPort}/ready`)).status === 200);

    // The direct side is replica A itself: the same process, alone, against both replicas behind HAProxy.
    const direct = await connect(`http://127.0.0.1:${portA}/mcp`, sessions);
    const balanced = await connect(`http://127.0.0.1:${frontPort}/mcp`, sessions);
    clients.push(...direct, ...balanced);
    await measure(direct, sessions * 20);
    await measure(balanced, sessions * 20);
    const results = { direct: [] as number[], balanced: [] as number[] };
    for (let round = 0; round < context.options.rounds; round++) {
      const order = round % 2 === 0 ? (['direct', 'balanced'] as const) : (['balanced', 'direct'] as const);
      for (const side of order) results[side].push(await measure(side === 'direct' ? direct : balanced, calls));
    }
    const row = compare(
      'replicas-2-vs-1',
      `echo throughput, ${sessions} HTTP sessions, 2 replicas behind HAProxy (${availableParallelism()} cores shared)`,
      'calls/s',
      { label: '2 replicas + HAProxy', value: median(results.balanced) },
      { label: '1 replica direct', value: median(results.direct) },
      undefined,
      { subject: results.balanced, reference: results.direct },
    );
    return { rows: [row] };
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    for (const child of children.reverse()) await stop(child);
  }
}
