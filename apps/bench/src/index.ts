#!/usr/bin/env node
// `npm run bench`: Switchboard measured against a reference per row (byte relay, bare SDK servers) in one run.
import { fixturePath } from '@mcp-switchboard/testing';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './bench-context.js';
import { benchUsage, parseBenchOptions, type BenchOptions, type RowName } from './bench-options.js';
import { computeRatios, type BenchReport } from './bench-report.js';
import { runEchoRow } from './echo-row.js';
import { environmentInfo } from './environment-info.js';
import { formatReport } from './format-report.js';
import { runHttpRow } from './http-row.js';
import { findLeftoverProcesses } from './leftover-processes.js';
import { runListRow } from './list-row.js';
import { runPeersRow } from './peers-row.js';
import { runReplicasRow } from './replicas-row.js';
import { runRssRow } from './rss-row.js';
import { parseSoakOptions, soakUsage } from './soak-options.js';
import { formatSoakReport } from './soak-report.js';
import { runSoak } from './soak.js';
import { runStartupRow } from './startup-row.js';

function proxyCliPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mcp-switchboard/package.json')), 'dist', 'cli.js');
}

function requireBuilt(path: string, what: string): void {
  if (!existsSync(path)) throw new Error(`${what} is not built (${path} is missing): run \`npm run bench\`, which builds first`);
}

/** Kills (by pid) any process of this run still alive after every client closed; returns their pids. */
function killLeftovers(marker: string): number[] {
  const pids = findLeftoverProcesses(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids;
}

async function run(options: BenchOptions): Promise<number> {
  // Every process of this run carries the marker, so the leak check can find the proxy's children too.
  const marker = `switchboard-bench-${process.pid}-${randomBytes(4).toString('hex')}`;
  const echo = { command: process.execPath, args: [fixturePath('echo'), `--bench-run=${marker}`] };
  requireBuilt(echo.args[0]!, 'the echo fixture (@mcp-switchboard/testing)');
  let proxyCli = proxyCliPath();
  if (options.proxyCli) {
    proxyCli = resolve(options.proxyCli);
    if (!existsSync(proxyCli)) throw new Error(`--proxy-cli ${proxyCli} does not exist`);
  } else requireBuilt(proxyCli, 'the proxy (mcp-switchboard)');
  const started = new Date().toISOString();
  const scratchDir = await mkdtemp(join(tmpdir(), `${marker}-`));
  const context: BenchContext = {
    options,
    marker,
    scratchDir,
    proxyCli,
    echo,
    distDir: dirname(fileURLToPath(import.meta.url)),
    text: 'x'.repeat(options.payloadBytes),
    log: (line) => process.stderr.write(`bench: ${line}\n`),
  };

  const report: BenchReport = {
    schemaVersion: 2,
    startedAt: started,
    environment: environmentInfo(),
    options: {
      calls: options.calls,
      concurrentCalls: options.concurrentCalls,
      concurrency: options.concurrency,
      warmup: options.warmup,
      rounds: options.rounds,
      payloadBytes: options.payloadBytes,
      httpCalls: options.httpCalls,
      startups: options.startups,
      lists: options.lists,
      targets: options.targets,
      rows: options.rows,
      peers: options.peers,
      quick: options.quick,
      ...(options.proxyCli ? { proxyCli: options.proxyCli } : {}),
    },
    targets: {},
    rows: [],
    skipped: [],
    failures: [],
    leftoverProcesses: [],
  };
  const steps: Array<[string, () => Promise<void>]> = [];
  const wants = (row: RowName) => options.rows.includes(row);
  if (wants('echo')) {
    steps.push([
      'echo',
      async () => {
        const echoOutcome = await runEchoRow(context);
        report.targets = echoOutcome.targets;
        if (echoOutcome.targets.direct && echoOutcome.targets.proxy) report.ratios = computeRatios(echoOutcome.targets.direct, echoOutcome.targets.proxy);
        report.rows.push(...echoOutcome.rows);
        const failed = Object.values(echoOutcome.targets).find((t) => t.sequential.errors + t.concurrent.errors > 0);
        if (failed) report.failures.push(`echo: ${failed.label}: ${failed.sequential.firstError ?? failed.concurrent.firstError}`);
      },
    ]);
  }
  if (wants('http')) {
    steps.push([
      'http',
      async () => {
        const { rows, ...http } = await runHttpRow(context);
        report.http = http;
        report.rows.push(...rows);
        const failed = [http.proxy, http.direct].find((phase) => phase.errors);
        if (failed) report.failures.push(`http: ${failed.errors} calls failed: ${failed.firstError}`);
      },
    ]);
  }
  if (wants('startup')) steps.push(['startup', async () => void report.rows.push(...(await runStartupRow(context)))]);
  if (wants('rss')) steps.push(['rss', async () => void report.rows.push(...(await runRssRow(context)))]);
  if (wants('list')) steps.push(['list', async () => void report.rows.push(...(await runListRow(context)))]);
  if (wants('replicas')) {
    steps.push([
      'replicas',
      async () => {
        const replicas = await runReplicasRow(context);
        report.rows.push(...replicas.rows);
        if (replicas.skipped) report.skipped.push(replicas.skipped);
      },
    ]);
  }
  if (options.peers) {
    steps.push([
      'peers',
      async () => {
        const peers = await runPeersRow(context);
        report.rows.push(...peers.rows);
        if (peers.skipped) report.skipped.push(peers.skipped);
      },
    ]);
  }
  try {
    for (const [name, step] of steps) {
      const rowStarted = Date.now();
      try {
        await step();
      } catch (error) {
        report.failures.push(`${name}: ${(error as Error).message}`);
      }
      context.log(`${name} row done in ${((Date.now() - rowStarted) / 1000).toFixed(1)} s`);
    }
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
    report.leftoverProcesses = killLeftovers(marker);
  }

  process.stdout.write(`${formatReport(report)}\n`);
  if (options.json) {
    const path = resolve(options.json);
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${path}\n`);
  }
  return report.failures.length || report.leftoverProcesses.length ? 1 : 0;
}

/** `soak`: calls through the proxy while its server crashes; exit 1 on a hang, a leak or an unexplained error. */
async function soak(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseSoakOptions>;
  try {
    options = parseSoakOptions(argv);
  } catch (error) {
    process.stderr.write(`bench soak: ${(error as Error).message}\n\n${soakUsage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${soakUsage}\n`);
    return 0;
  }
  const cli = options.proxyCli ? resolve(options.proxyCli) : proxyCliPath();
  requireBuilt(cli, options.proxyCli ? `--proxy-cli ${cli}` : 'the proxy (mcp-switchboard)');
  requireBuilt(fixturePath('fault'), 'the fault fixture (@mcp-switchboard/testing)');
  const report = await runSoak(options, cli, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${formatSoakReport(report)}\n`);
  if (options.json) {
    const path = resolve(options.json);
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${path}\n`);
  }
  return report.failures.length ? 1 : 0;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'soak') return soak(argv.slice(1));
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${benchUsage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${benchUsage}\n`);
    return 0;
  }
  return run(options);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
