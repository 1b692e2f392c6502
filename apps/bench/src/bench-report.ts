import type { BenchOptions, TargetName } from './bench-options.js';
import type { ComparisonRow } from './comparison.js';
import type { PhaseResult } from './phase-result.js';

export interface TargetResult {
  label: string;
  tool: string;
  commandLine: string;
  sequential: PhaseResult;
  concurrent: PhaseResult;
  /** How long closing the client took until the child was gone (the SDK sends SIGTERM after 2 s). */
  closeMs: number;
}

/** proxy ÷ direct: above 1 the proxy is slower for latencies; below 1 it is slower for throughput. */
export interface BenchRatios {
  p50: number;
  p99: number;
  throughput: number;
}

/** What `--json FILE` writes. */
export interface BenchReport {
  schemaVersion: 2;
  startedAt: string;
  environment: { node: string; platform: string; arch: string; cpus: number; cpuModel: string; sdkVersion: string };
  options: Omit<BenchOptions, 'help' | 'json'>;
  /** The echo row's targets (direct, relay, proxy), in full. */
  targets: Partial<Record<TargetName, TargetResult>>;
  /** The echo row, proxy ÷ direct (when both ran). */
  ratios?: BenchRatios;
  /** The HTTP row in full. */
  http?: { sessions: number; proxy: PhaseResult; direct: PhaseResult };
  /** Every comparison of the run, each against its reference, with its target when the issue sets one. */
  rows: ComparisonRow[];
  /** Rows not run, and why (e.g. a peer that cannot be installed here). */
  skipped: string[];
  /** Rows that failed, with the reason; any makes the exit code 1. */
  failures: string[];
  /** Processes of this run still alive after closing (killed by the bench); should be empty. */
  leftoverProcesses: number[];
}

export function computeRatios(direct: TargetResult, proxy: TargetResult): BenchRatios {
  return {
    p50: proxy.sequential.latency.p50 / direct.sequential.latency.p50,
    p99: proxy.sequential.latency.p99 / direct.sequential.latency.p99,
    throughput: proxy.concurrent.callsPerSecond / direct.concurrent.callsPerSecond,
  };
}
