import type { BenchReport, TargetResult } from './bench-report.js';
import { describeTarget, type ComparisonRow } from './comparison.js';

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
}

function value(row: ComparisonRow['subject'], unit: ComparisonRow['unit']): string {
  if (!Number.isFinite(row.value)) return 'n/a';
  const digits = unit === 'calls/s' ? 0 : unit === 'MiB' ? 1 : row.value < 10 ? 3 : 1;
  return `${row.value.toFixed(digits)} ${unit}`;
}

/** The comparison rows: measure, Switchboard's value, the reference's, the ratio, the target and whether it is met. */
export function formatRows(rows: readonly ComparisonRow[]): string[] {
  const widths = [52, 14, 30, 7, 8, 4];
  const lines = [row(['measure', 'switchboard', 'reference', 'ratio', 'target', 'met'], widths)];
  for (const r of rows) {
    lines.push(
      row(
        [
          r.measure,
          value(r.subject, r.unit),
          `${value(r.reference, r.unit)} ${r.reference.label}`,
          times(r.ratio),
          describeTarget(r.target, r.unit),
          r.met === undefined ? '' : r.met ? 'yes' : 'NO',
        ],
        widths,
      ),
    );
  }
  return lines;
}

function echoTable(report: BenchReport): string[] {
  const { options } = report;
  const lines = [
    `echo row: the echo fixture's echo tool over stdio, ${options.payloadBytes}-byte text, one client per target;`,
    `${options.rounds} round(s) of ${options.calls} sequential calls, then ${options.concurrentCalls} calls by ${options.concurrency} concurrent callers`,
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
  }
  for (const target of Object.values(report.targets) as TargetResult[]) {
    const failure = target.sequential.firstError ?? target.concurrent.firstError;
    if (failure) lines.push('', `${target.label}: calls failed; first error: ${failure}`);
  }
  return lines;
}

/** The human-readable report: the echo table, then every comparison row against its reference and target. */
export function formatReport(report: BenchReport): string {
  const env = report.environment;
  const lines = [`Switchboard bench — Node ${env.node} on ${env.platform}/${env.arch}, ${env.cpus} CPUs (${env.cpuModel}), MCP SDK ${env.sdkVersion}`, ''];
  if (Object.keys(report.targets).length) lines.push(...echoTable(report), '');
  if (report.rows.length) {
    lines.push(...formatRows(report.rows));
    lines.push('(ratio = switchboard ÷ reference, measured side by side in this run; latency: lower is better, throughput: higher is better)');
  }
  for (const skipped of report.skipped) lines.push('', `skipped: ${skipped}`);
  for (const failure of report.failures) lines.push('', `FAILED: ${failure}`);
  if (report.leftoverProcesses.length) {
    lines.push('', `processes left running after close (killed): ${report.leftoverProcesses.join(', ')}`);
  }
  return lines.join('\n');
}
