import type { BenchReport, TargetResult } from './bench-report.js';

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
}

/** The human-readable report: one table of both targets, then the proxy ÷ direct ratios. */
export function formatReport(report: BenchReport): string {
  const { options, environment: env } = report;
  const lines = [
    `Switchboard bench: the echo fixture's echo tool, ${options.payloadBytes}-byte text, one client per target`,
    `Node ${env.node} on ${env.platform}/${env.arch}, ${env.cpus} CPUs (${env.cpuModel}), MCP SDK ${env.sdkVersion}`,
    `${options.rounds} round(s) of: ${options.calls} sequential calls, then ${options.concurrentCalls} calls by ${options.concurrency} concurrent callers`,
    `(after ${options.warmup} warm-up calls each way; latencies pooled over rounds, call/s = median round)`,
    '',
  ];
  const widths = [22, 9, 9, 9, 11, 9, 9, 7, 8];
  lines.push(row(['', 'seq p50', 'seq p99', 'seq mean', 'conc call/s', 'conc p50', 'conc p99', 'errors', 'close'], widths));
  lines.push(row(['target (tool)', 'ms', 'ms', 'ms', '', 'ms', 'ms', '', 'ms'], widths));
  for (const target of Object.values(report.targets) as TargetResult[]) {
    lines.push(
      row(
        [
          `${target.label} (${target.tool})`,
          ms(target.sequential.latency.p50),
          ms(target.sequential.latency.p99),
          ms(target.sequential.latency.mean),
          target.concurrent.callsPerSecond.toFixed(0),
          ms(target.concurrent.latency.p50),
          ms(target.concurrent.latency.p99),
          String(target.sequential.errors + target.concurrent.errors),
          target.closeMs.toFixed(0),
        ],
        widths,
      ),
    );
  }
  if (report.ratios) {
    const { p50, p99, throughput } = report.ratios;
    lines.push('', `proxy / direct: p50 ${times(p50)}   p99 ${times(p99)}   throughput ${times(throughput)}`);
    lines.push('(latency ratios: lower is better, 1× = no overhead; throughput ratio: higher is better, 1× = no loss)');
  }
  for (const target of Object.values(report.targets) as TargetResult[]) {
    const failure = target.sequential.firstError ?? target.concurrent.firstError;
    if (failure) lines.push('', `${target.label}: calls failed; first error: ${failure}`);
  }
  if (report.leftoverProcesses.length) {
    lines.push('', `processes left running after close (killed): ${report.leftoverProcesses.join(', ')}`);
  }
  return lines.join('\n');
}
