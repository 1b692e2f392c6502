// `npm run bench -- soak`: many tool calls through the proxy while its server crashes and is restarted.
import { fixturePath } from '@mcp-switchboard/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, ResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { environmentInfo } from './environment-info.js';
import { findLeftoverProcesses } from './leftover-processes.js';
import type { SoakOptions } from './soak-options.js';
import { SOAK_SERVER, allowedErrors, errorKindOf, namesServer, soakFailures, type SoakOutcome, type SoakReport, type SoakSample } from './soak-report.js';

/**
 * Restarts must be quick and must not give up: a server that crashes every N calls looks, to a circuit
 * breaker, like a server failing over and over. The soak exercises the restart path, so the breaker is set out
 * of reach and the backoff short.
 */
export const soakSupervision = { backoffInitialMs: 50, backoffMaxMs: 250, maxFailures: 1_000_000 };

const STDERR_TAIL_BYTES = 16 * 1024;
/** Every Nth call asks the server for its pid, so the report can count server lives. */
const PID_EVERY = 50;
/** Malformed and hostile requests sent after the calls; the proxy's RSS is sampled once they are answered. */
export const FUZZ_REQUESTS = 2000;

/** The nth fuzzed request: wrong types, unknown names, bad cursors, too-deep and (every 100th) 1 MB arguments. */
export function fuzzedRequest(n: number): { method: string; params?: Record<string, unknown> } {
  let deep: Record<string, unknown> = {};
  switch (n % 8) {
    case 0:
      return { method: 'tools/call', params: { name: `${SOAK_SERVER}__echo`, arguments: { text: n % 100 === 0 ? 'x'.repeat(1 << 20) : `fuzz ${n}` } } };
    case 1:
      return { method: 'tools/call', params: { name: 42, arguments: 'nonsense' } };
    case 2:
      return { method: 'tools/call', params: { name: `no_such_tool_${n}` } };
    case 3:
      return { method: 'tools/list', params: { cursor: `not-a-cursor-${n}` } };
    case 4:
      for (let i = 0; i < 200; i++) deep = { deep };
      return { method: 'tools/call', params: { name: `${SOAK_SERVER}__echo`, arguments: deep } };
    case 5:
      return { method: `no/such/method/${n}` };
    case 6:
      return { method: 'resources/read', params: { uri: `fuzz://${'y'.repeat(n % 500)}` } };
    default:
      return { method: 'prompts/get', params: { name: '', arguments: [1, 2, 3] } };
  }
}

function rssKbOf(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

function fdsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until no process of the run is alive, for up to `ms`; returns what is still alive then. */
async function waitForNoProcesses(marker: string, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = findLeftoverProcesses(marker);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await sleep(50);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function resultText(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : JSON.stringify(result.content).slice(0, 300);
}

export async function runSoak(options: SoakOptions, proxyCli: string, log: (line: string) => void): Promise<SoakReport> {
  const startedAt = new Date().toISOString();
  // Every process of the run carries the marker (the proxy through its config path, the server through an
  // argument), so the leak check finds them all.
  const marker = `switchboard-soak-${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), `${marker}-`));
  const configPath = join(dir, 'switchboard.config.json');
  const proxyConfig = {
    mcpServers: {
      [SOAK_SERVER]: {
        command: process.execPath,
        args: [fixturePath('fault'), `--bench-run=${marker}`],
        env: { FAULT_CRASH_AFTER_CALLS: String(options.crashEvery) },
      },
    },
    supervision: soakSupervision,
  };
  await writeFile(configPath, `${JSON.stringify(proxyConfig, null, 2)}\n`);

  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [proxyCli, '--config', configPath, '--log-level', 'warn'],
    stderr: 'pipe',
  });
  let stderrTail = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  const client = new Client({ name: 'switchboard-soak', version: '0.0.0' });

  const errorKinds = new Map<string, number>();
  const serverPids = new Set<number>();
  const samples: SoakSample[] = [];
  const outcome = {
    issued: 0,
    ok: 0,
    errors: 0,
    errorsNamingServer: 0,
    wrongAnswers: 0,
    hangs: 0,
  } as Pick<SoakOutcome, 'issued' | 'ok' | 'errors' | 'errorsNamingServer' | 'wrongAnswers' | 'hangs' | 'firstWrongAnswer' | 'stoppedEarly'>;
  let finished = 0;
  let pid = 0;
  let t0 = 0;
  let afterWarmup: SoakSample | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let closeMs = Number.NaN;
  let processesWhileRunning: number[] = [];
  let leftoverProcesses: number[] = [];
  const maxErrors = allowedErrors(options);

  const sample = (): SoakSample => {
    const s = { atMs: Math.round(performance.now() - t0), calls: finished, rssKb: rssKbOf(pid), fds: fdsOf(pid) };
    samples.push(s);
    return s;
  };

  const fail = (message: string): void => {
    outcome.errors++;
    if (namesServer(message)) outcome.errorsNamingServer++;
    const kind = errorKindOf(message);
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
    if (outcome.errors > maxErrors) outcome.stoppedEarly ??= `more than ${maxErrors} errors: the proxy is not recovering from the crashes`;
  };

  /** One call, with its own deadline: past it the call counts as a hang and the run stops issuing calls. */
  const callOnce = async (n: number): Promise<void> => {
    const askPid = n % PID_EVERY === 0;
    const text = `soak ${n}`;
    const abort = new AbortController();
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      abort.abort(new Error(`no answer within ${options.deadlineMs} ms`));
    }, options.deadlineMs);
    try {
      const result = await client.request(
        { method: 'tools/call', params: askPid ? { name: `${SOAK_SERVER}__pid`, arguments: {} } : { name: `${SOAK_SERVER}__echo`, arguments: { text } } },
        CallToolResultSchema,
        // The SDK's own timeout is set past our deadline, so a hang is always ours to count.
        { signal: abort.signal, timeout: options.deadlineMs + 60_000 },
      );
      if (result.isError) {
        fail(resultText(result));
      } else if (askPid) {
        const answered = (result.structuredContent as { pid?: unknown } | undefined)?.pid;
        if (typeof answered === 'number') {
          serverPids.add(answered);
          outcome.ok++;
        } else {
          outcome.wrongAnswers++;
          outcome.firstWrongAnswer ??= JSON.stringify(result).slice(0, 300);
        }
      } else if (resultText(result) === text) {
        outcome.ok++;
      } else {
        outcome.wrongAnswers++;
        outcome.firstWrongAnswer ??= `expected "${text}", got ${JSON.stringify(result).slice(0, 300)}`;
      }
    } catch (error) {
      if (hung) {
        outcome.hangs++;
        outcome.stoppedEarly ??= `call ${n} hung (no answer within ${options.deadlineMs} ms)`;
      } else {
        fail(errorText(error));
      }
    } finally {
      clearTimeout(timer);
      finished++;
      if (finished === options.warmupCalls) afterWarmup = sample();
      if (finished % Math.max(1, Math.floor(options.calls / 10)) === 0) {
        log(
          `soak: ${finished}/${options.calls} calls, ${outcome.errors} errors, ${serverPids.size} server lives seen, proxy RSS ${(rssKbOf(pid) / 1024).toFixed(1)} MiB`,
        );
      }
    }
  };

  const caller = async (): Promise<void> => {
    while (outcome.issued < options.calls && !outcome.stoppedEarly) {
      const n = outcome.issued++;
      await callOnce(n);
    }
  };

  try {
    try {
      await client.connect(transport);
    } catch (error) {
      throw new Error(`the proxy did not start: ${errorText(error)}\n--- its stderr ---\n${stderrTail}`);
    }
    pid = transport.pid!;
    t0 = performance.now();
    const start = sample();
    sampler = setInterval(sample, options.sampleMs);
    sampler.unref();
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.calls) }, caller));
    const wallMs = performance.now() - t0;
    clearInterval(sampler);
    const end = sample();
    // Fuzzed requests after the calls: every one must be answered (an error is an answer), and memory must come back.
    let fuzzUnanswered = 0;
    for (let n = 0; n < FUZZ_REQUESTS && !outcome.stoppedEarly; n++) {
      const answered = await client.request(fuzzedRequest(n) as never, ResultSchema.passthrough(), { timeout: options.deadlineMs }).then(
        () => true,
        (error: unknown) => !/timed out|Request timeout/i.test(errorText(error)),
      );
      if (!answered) fuzzUnanswered++;
    }
    const afterFuzz = { sample: sample(), requests: FUZZ_REQUESTS, unanswered: fuzzUnanswered };
    // Only the proxy and its current server may be alive now: crashed servers must be gone. A restart may be
    // under way, so give a replaced process a moment to be reaped.
    for (let tries = 0; tries < 40; tries++) {
      processesWhileRunning = findLeftoverProcesses(marker);
      if (processesWhileRunning.length <= 2) break;
      await sleep(50);
    }
    const closeStarted = performance.now();
    await client.close();
    closeMs = performance.now() - closeStarted;
    leftoverProcesses = await waitForNoProcesses(marker, 5000);

    const valid = samples.filter((s) => Number.isFinite(s.rssKb));
    const peak = valid.reduce((top, s) => (s.rssKb > top.rssKb ? s : top), start);
    const measured: SoakOutcome = {
      ...outcome,
      errorKinds: [...errorKinds].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count),
      serverLives: serverPids.size,
      start,
      afterWarmup: afterWarmup ?? start,
      peak,
      end,
      afterFuzz,
      samples,
      processesWhileRunning,
      leftoverProcesses,
      wallMs,
      closeMs,
      stderrTail,
    };
    const { help: _help, json: _json, ...reportedOptions } = options;
    return {
      schemaVersion: 1,
      kind: 'soak',
      startedAt,
      environment: environmentInfo(),
      options: reportedOptions,
      proxyConfig,
      allowedErrors: maxErrors,
      ...measured,
      failures: soakFailures(measured, options),
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await client.close().catch(() => undefined);
    for (const leftover of findLeftoverProcesses(marker)) {
      try {
        process.kill(leftover, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}
