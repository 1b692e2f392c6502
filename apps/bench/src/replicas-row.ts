#!/usr/bin/env node
// `npm run bench:replicas`: throughput of 2 Switchboard replicas behind HAProxy (deploy/haproxy.cfg) against
// 1 replica reached directly, in the same run, same clients, same echo server. A script of its own for now (the
// main bench is being reworked into rows); it becomes one row of `npm run bench` once that lands.
//
//   node apps/bench/dist/replicas-row.js [--sessions 16] [--calls 3000] [--rounds 3]
//
// Needs the haproxy binary (Debian: apt-get install -y haproxy); without it, says so and exits 0.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixturePath } from '@mcp-switchboard/testing';
import { integerOption } from './integer-option.js';

interface Options {
  sessions: number;
  calls: number;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { sessions: 16, calls: 3000, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const key = flag.replace(/^--/, '') as keyof Options;
    if (!(key in options) || !flag.startsWith('--')) throw new Error(`unknown option ${flag} (known: --sessions, --calls, --rounds)`);
    options[key] = integerOption(key, argv[++i], options[key]);
  }
  return options;
}

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

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (spawnSync('haproxy', ['-v']).status !== 0) {
    process.stdout.write('replicas row skipped: the haproxy binary is not installed (Debian: apt-get install -y haproxy)\n');
    return 0;
  }
  const cli = join(dirname(createRequire(import.meta.url).resolve('mcp-switchboard/package.json')), 'dist', 'cli.js');
  const scratch = mkdtempSync(join(tmpdir(), 'switchboard-bench-replicas-'));
  const children: ChildProcess[] = [];
  const clients: Client[] = [];
  try {
    const config = join(scratch, 'switchboard.config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { echo: { command: process.execPath, args: [fixturePath('echo')] } } }));
    const [frontPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    for (const port of [portA, portB]) {
      children.push(
        start(process.execPath, [
          cli,
          '--config',
          config,
          '--transport',
          'streamable-http',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--log-level',
          'warn',
        ]),
      );
    }
    for (const port of [portA, portB]) await until(`replica on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200);
    writeFileSync(join(scratch, 'haproxy.cfg'), haproxyConfig(frontPort, [portA, portB]));
    children.push(start('haproxy', ['-db', '-f', join(scratch, 'haproxy.cfg')]));
    await until('HAProxy', async () => (await fetch(`http://127.0.0.1:${frontPort}/ready`)).status === 200);

    // The direct side is replica A itself: the same process, alone, against both replicas behind HAProxy.
    const direct = await connect(`http://127.0.0.1:${portA}/mcp`, options.sessions);
    const balanced = await connect(`http://127.0.0.1:${frontPort}/mcp`, options.sessions);
    clients.push(...direct, ...balanced);
    await measure(direct, options.sessions * 20);
    await measure(balanced, options.sessions * 20);
    const results = { direct: [] as number[], balanced: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? (['direct', 'balanced'] as const) : (['balanced', 'direct'] as const);
      for (const side of order) results[side].push(await measure(side === 'direct' ? direct : balanced, options.calls));
    }
    const [one, two] = [median(results.direct), median(results.balanced)];
    process.stdout.write(
      [
        `Switchboard replicas: echo over Streamable HTTP, ${options.sessions} sessions, ${options.calls} calls × ${options.rounds} rounds, ${availableParallelism()} cores`,
        `  1 replica, direct          ${one.toFixed(0).padStart(7)} calls/s   (rounds: ${results.direct.map((v) => v.toFixed(0)).join(', ')})`,
        `  2 replicas behind HAProxy  ${two.toFixed(0).padStart(7)} calls/s   (rounds: ${results.balanced.map((v) => v.toFixed(0)).join(', ')})`,
        `  ratio                      ${(two / one).toFixed(2).padStart(7)} ×   (close to 2× needs a free core per replica; here clients, HAProxy and replicas share ${availableParallelism()})`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    for (const child of children.reverse()) await stop(child);
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:replicas failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
