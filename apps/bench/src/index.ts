#!/usr/bin/env node
// `npm run bench`: the echo fixture measured directly and through the proxy in one run, as ratios.
import { fixturePath } from '@mcp-switchboard/testing';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { benchUsage, parseBenchOptions, type BenchOptions, type TargetName } from './bench-options.js';
import { computeRatios, type BenchReport, type TargetResult } from './bench-report.js';
import { startBenchTarget, type BenchTarget, type BenchTargetSpec } from './bench-target.js';
import { environmentInfo } from './environment-info.js';
import { formatReport } from './format-report.js';
import { findLeftoverProcesses } from './leftover-processes.js';
import { runPhase, warmUp, type PhaseSamples } from './measure-target.js';
import { phaseResult } from './phase-result.js';
import { writeProxyConfig, type ProxyConfigFile } from './proxy-config.js';
import { parseSoakOptions, soakUsage } from './soak-options.js';
import { formatSoakReport } from './soak-report.js';
import { runSoak } from './soak.js';

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
  const text = 'x'.repeat(options.payloadBytes);
  const started = new Date().toISOString();

  const specs: Partial<Record<TargetName, BenchTargetSpec>> = {};
  let config: ProxyConfigFile | undefined;
  if (options.targets.includes('direct')) specs.direct = { label: 'direct', tool: 'echo', ...echo };
  if (options.targets.includes('proxy')) {
    const cli = options.proxyCli ? resolve(options.proxyCli) : proxyCliPath();
    if (!options.proxyCli) requireBuilt(cli, 'the proxy (mcp-switchboard)');
    else if (!existsSync(cli)) throw new Error(`--proxy-cli ${cli} does not exist`);
    config = await writeProxyConfig(marker, echo);
    specs.proxy = { label: 'proxy', tool: 'echo__echo', command: process.execPath, args: [cli, '--config', config.path, '--log-level', 'warn'] };
  }

  const targets = new Map<TargetName, BenchTarget>();
  const results: Partial<Record<TargetName, TargetResult>> = {};
  let leftovers: number[] = [];
  try {
    for (const name of options.targets) targets.set(name, await startBenchTarget(specs[name]!));
    for (const target of targets.values()) await warmUp(target, options.warmup, options.concurrency, text);
    const sequential = new Map<TargetName, PhaseSamples[]>(options.targets.map((name) => [name, []]));
    const concurrent = new Map<TargetName, PhaseSamples[]>(options.targets.map((name) => [name, []]));
    for (let round = 0; round < options.rounds; round++) {
      // Targets alternate within a phase, and who goes first alternates between rounds: drift in the
      // machine's speed and any order effect hit both sides alike.
      const order = round % 2 === 0 ? options.targets : [...options.targets].reverse();
      for (const name of order) sequential.get(name)!.push(await runPhase(targets.get(name)!, options.calls, 1, text));
      for (const name of order) {
        concurrent.get(name)!.push(await runPhase(targets.get(name)!, options.concurrentCalls, options.concurrency, text));
      }
    }
    for (const [name, target] of targets) {
      const spec = specs[name]!;
      results[name] = {
        label: target.label,
        tool: target.tool,
        commandLine: [spec.command, ...spec.args].join(' '),
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
    await config?.dispose();
    leftovers = killLeftovers(marker);
  }

  const report: BenchReport = {
    schemaVersion: 1,
    startedAt: started,
    environment: environmentInfo(),
    options: {
      calls: options.calls,
      concurrentCalls: options.concurrentCalls,
      concurrency: options.concurrency,
      warmup: options.warmup,
      rounds: options.rounds,
      payloadBytes: options.payloadBytes,
      targets: options.targets,
      ...(options.proxyCli ? { proxyCli: options.proxyCli } : {}),
    },
    targets: results,
    ...(results.direct && results.proxy ? { ratios: computeRatios(results.direct, results.proxy) } : {}),
    leftoverProcesses: leftovers,
  };
  process.stdout.write(`${formatReport(report)}\n`);
  if (options.json) {
    const path = resolve(options.json);
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${path}\n`);
  }
  const failed = Object.values(results).some((result) => result.sequential.errors + result.concurrent.errors > 0);
  return failed || leftovers.length ? 1 : 0;
}

/** `soak`: calls through the proxy while its server crashes; exit 1 on a hang, a leak or an unexplained error. */
async function soak(argv: string[]): Promise<number> {
  let options;
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
