import type { BenchReport } from './bench-report.js';
import type { SoakOptions } from './soak-options.js';

/** One sample of the proxy process, taken every `sampleMs` and at the marks (start, after warm-up, end). */
export interface SoakSample {
  /** ms since the first call was issued. */
  atMs: number;
  /** Calls finished (answered, failed or hung) by then. */
  calls: number;
  rssKb: number;
  fds: number;
}

/** An error message with its numbers masked, and how often it was seen. */
export interface ErrorKind {
  message: string;
  count: number;
}

/** What the soak measured; the input of the verdict. */
export interface SoakOutcome {
  /** Calls issued (fewer than options.calls when the run stopped early). */
  issued: number;
  ok: number;
  /** Failed calls: a JSON-RPC error or an isError result. */
  errors: number;
  /** Errors whose message names the server. */
  errorsNamingServer: number;
  errorKinds: ErrorKind[];
  /** Successful answers with the wrong content. */
  wrongAnswers: number;
  firstWrongAnswer?: string;
  /** Calls unanswered at the deadline. */
  hangs: number;
  /** Why the run stopped before issuing every call, if it did. */
  stoppedEarly?: string;
  /** Distinct server pids the `pid` tool answered: roughly the number of server lives. */
  serverLives: number;
  start: SoakSample;
  afterWarmup: SoakSample;
  /** After the calls, malformed requests: how many, how many got no answer, and the proxy then. */
  afterFuzz?: { sample: SoakSample; requests: number; unanswered: number };
  peak: SoakSample;
  end: SoakSample;
  samples: SoakSample[];
  /** Processes of the run alive just before the client closed (the proxy and its live server). */
  processesWhileRunning: number[];
  /** Processes of the run alive after the client closed and the proxy exited; killed by the bench. */
  leftoverProcesses: number[];
  wallMs: number;
  closeMs: number;
  /** The tail of the proxy's stderr, for a failed run. */
  stderrTail: string;
}

export interface SoakReport extends SoakOutcome {
  schemaVersion: 1;
  kind: 'soak';
  startedAt: string;
  environment: BenchReport['environment'];
  options: Omit<SoakOptions, 'help' | 'json'>;
  /** The proxy config the soak ran with (the server entry and supervision settings). */
  proxyConfig: unknown;
  /** Upper bound on errors: the calls that can be in flight at the crashes. */
  allowedErrors: number;
  failures: string[];
}

/** The server's name in the soak's proxy config; every error must carry it. */
export const SOAK_SERVER = 'fault';

/** Error messages grouped: numbers (ids, pids, ms) masked so the same failure counts as one kind. */
export function errorKindOf(message: string): string {
  return message.replace(/\d+/g, 'N').replace(/\s+/g, ' ').trim().slice(0, 240);
}

/** True when an error message names the server (as `"fault"`, `fault__...` or the bare word). */
export function namesServer(message: string, server = SOAK_SERVER): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_-])${server}([^A-Za-z0-9-]|$)`).test(message);
}

/**
 * Errors allowed: at most every caller's call can be in flight when the server dies, and the server cannot die
 * more often than once per `crashEvery` calls (each life answers that many before it exits).
 */
export function allowedErrors(options: Pick<SoakOptions, 'calls' | 'crashEvery' | 'concurrency'>): number {
  return (Math.floor(options.calls / options.crashEvery) + 1) * options.concurrency;
}

/** Why the run failed; empty when it passed. */
export function soakFailures(outcome: SoakOutcome, options: SoakOptions): string[] {
  const failures: string[] = [];
  if (outcome.hangs > 0) failures.push(`${outcome.hangs} call(s) hung: no answer within ${options.deadlineMs} ms`);
  if (outcome.stoppedEarly) failures.push(`stopped early: ${outcome.stoppedEarly}`);
  const unexplained = outcome.errors - outcome.errorsNamingServer;
  if (unexplained > 0) failures.push(`${unexplained} error(s) do not name the server "${SOAK_SERVER}"`);
  const allowed = allowedErrors(options);
  if (outcome.errors > allowed) {
    failures.push(`${outcome.errors} errors, more than the ${allowed} calls that can be in flight at the crashes: calls made after a crash failed too`);
  }
  if (outcome.afterFuzz?.unanswered) failures.push(`${outcome.afterFuzz.unanswered} malformed request(s) got no answer`);
  if (outcome.wrongAnswers > 0) failures.push(`${outcome.wrongAnswers} call(s) answered with the wrong content`);
  if (outcome.ok + outcome.errors + outcome.hangs + outcome.wrongAnswers !== outcome.issued) {
    failures.push(
      `calls do not add up: ${outcome.issued} issued, ${outcome.ok} ok + ${outcome.errors} errors + ${outcome.hangs} hangs + ${outcome.wrongAnswers} wrong`,
    );
  }
  const growthKb = outcome.end.rssKb - outcome.afterWarmup.rssKb;
  if (growthKb > options.rssLimitMb * 1024) {
    failures.push(`proxy RSS grew by ${mb(growthKb)} after the warm-up (limit ${options.rssLimitMb} MiB)`);
  }
  // Pipes of crashed servers that are never closed show up here, a few per restart.
  const fdGrowth = outcome.end.fds - outcome.afterWarmup.fds;
  if (fdGrowth > 32) failures.push(`proxy file descriptors grew from ${outcome.afterWarmup.fds} to ${outcome.end.fds} after the warm-up`);
  if (outcome.processesWhileRunning.length > 2) {
    failures.push(
      `${outcome.processesWhileRunning.length} processes of the run alive while running (expected the proxy and one server): ${outcome.processesWhileRunning.join(', ')}`,
    );
  }
  if (outcome.leftoverProcesses.length) failures.push(`processes left after the proxy stopped (killed): ${outcome.leftoverProcesses.join(', ')}`);
  return failures;
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;
const count = (n: number): string => n.toLocaleString('en-US');

/** The human-readable summary. */
export function formatSoakReport(report: SoakReport): string {
  const { options: o, environment: env } = report;
  const seconds = report.wallMs / 1000;
  const finished = report.ok + report.errors + report.hangs + report.wrongAnswers;
  const lines = [
    `Switchboard soak: ${count(o.calls)} tool calls through the proxy (stdio) to the fault fixture, which crashes after every ${count(o.crashEvery)} calls; ${o.concurrency} concurrent callers`,
    `Node ${env.node} on ${env.platform}/${env.arch}, ${env.cpus} CPUs (${env.cpuModel}), MCP SDK ${env.sdkVersion}`,
    '',
    `calls         ${count(report.issued)} issued, ${count(finished)} finished in ${seconds.toFixed(1)} s (${count(Math.round(finished / Math.max(seconds, 0.001)))} calls/s)`,
    `  ok          ${count(report.ok)}`,
    `  errors      ${count(report.errors)} (${count(report.errorsNamingServer)} name the server; allowed at most ${count(report.allowedErrors)}: the calls in flight at ${count(Math.floor(o.calls / o.crashEvery))} crashes)`,
    `  hangs       ${count(report.hangs)} (deadline ${count(o.deadlineMs)} ms)`,
    `  wrong       ${count(report.wrongAnswers)}`,
    `server lives  ${count(report.serverLives)} distinct server pids answered the pid tool`,
    `proxy RSS     start ${mb(report.start.rssKb)}, after ${count(o.warmupCalls)} warm-up calls ${mb(report.afterWarmup.rssKb)}, peak ${mb(report.peak.rssKb)} (at call ${count(report.peak.calls)}), end ${mb(report.end.rssKb)}`,
    `              growth after the warm-up ${mb(report.end.rssKb - report.afterWarmup.rssKb)} (limit ${o.rssLimitMb} MiB)`,
    ...(report.afterFuzz
      ? [
          `after fuzz    ${count(report.afterFuzz.requests)} malformed requests, ${count(report.afterFuzz.unanswered)} unanswered; proxy RSS then ${mb(report.afterFuzz.sample.rssKb)}`,
        ]
      : []),
    `proxy fds     start ${report.start.fds}, after the warm-up ${report.afterWarmup.fds}, end ${report.end.fds}`,
    `processes     ${report.processesWhileRunning.length} of the run alive before closing; ${report.leftoverProcesses.length ? `LEFT AFTER CLOSE: ${report.leftoverProcesses.join(', ')}` : 'none left after close'} (close took ${count(Math.round(report.closeMs))} ms)`,
  ];
  if (report.errorKinds.length) {
    lines.push('', 'errors by kind (numbers masked):');
    for (const kind of report.errorKinds.slice(0, 8)) lines.push(`  ${String(kind.count).padStart(7)}  ${kind.message}`);
    if (report.errorKinds.length > 8) lines.push(`  ... and ${report.errorKinds.length - 8} more kinds`);
  }
  if (report.firstWrongAnswer) lines.push('', `first wrong answer: ${report.firstWrongAnswer}`);
  lines.push('');
  if (report.failures.length) {
    lines.push('FAIL');
    for (const failure of report.failures) lines.push(`  - ${failure}`);
    // The last lines only (the JSON report keeps more): crash-and-restart warnings fill the rest.
    const tail = report.stderrTail.trimEnd().split('\n').slice(-12).join('\n');
    if (tail) lines.push('', "--- the proxy's stderr (last lines) ---", tail);
  } else {
    lines.push('PASS: no hang, no leaked process, every error named the server and came from a crash, memory flat');
  }
  return lines.join('\n');
}
