import type { ServerStatus } from '@mcp-switchboard/hub';
import type { SecretRedactor } from '@mcp-switchboard/kernel';
import type { ServerDefinition } from '@mcp-switchboard/plugin-api';
import { boot } from '../boot.js';
import type { CliSettings } from '../cli-settings.js';
import { failureHint } from '../doctor/hints.js';
import { ConnectionProbes, type Probe } from '../doctor/probes.js';
import { formatTable } from '../format-table.js';
import { sourceCell } from './list.js';

/** One row of the doctor report. */
export interface DoctorRow {
  id: string;
  source: string;
  state: string;
  tools: number;
  startupMs: number | undefined;
  error: string | undefined;
  hint: string | undefined;
}

export interface DoctorReport {
  configFile: string | undefined;
  rows: DoctorRow[];
  /** Config sources that could not load their servers (a wrong plugged.in key, an unreachable App). */
  failedSources?: Array<{ plugin: string; error: string }>;
  /** True when every enabled server is ready. */
  healthy: boolean;
}

const ok = (state: string) => state === 'ready' || state === 'disabled';

/**
 * The hub's error, reduced to the cause: no supervision wording (doctor makes one attempt, the retry schedule
 * means nothing here) and no `server "x" failed to start: ` prefix (the row names the server already).
 */
function shortError(id: string, error: string | undefined): string | undefined {
  if (!error) return undefined;
  let text = /Last error: ([\s\S]*)$/.exec(error)?.[1] ?? error;
  text = text.replace(/;?\s*circuit open, next try at \S+ \(in [^)]*\)\.?/, '');
  const prefix = `server "${id}" failed to start: `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

/** The innermost message of the first recorded error's cause chain (`connect ECONNREFUSED 127.0.0.1:3000`). */
function rootCause(probe: Probe | undefined): string | undefined {
  let error = probe?.errors[0] as { cause?: unknown; errors?: unknown[]; message?: unknown } | undefined;
  let message: string | undefined;
  for (let depth = 0; error && typeof error === 'object' && depth < 8; depth++) {
    if (typeof error.message === 'string' && error.message) message = error.message;
    error = (error.cause ?? error.errors?.[0]) as typeof error;
  }
  return message;
}

/** npm's lines that never explain a failure: notices, the error code, the log file, blank `npm error 404` lines. */
const NPM_NOISE =
  /^npm (warn|notice)\b|^npm error (code \S+|errno \S+|syscall \S+|A complete log of this run|Log files were not written|\d{3})?\s*$|^npm error A complete log/i;

/**
 * The stderr line that explains the failure: for npm/npx, its first `npm error` line with content (`npm error 404
 * Not Found - GET …` for a typo in a package name, not the closing `A complete log of this run…`); else the last.
 */
function telltaleStderrLine(probe: Probe | undefined): string | undefined {
  const lines = (probe?.stderr ?? []).map((l) => l.trim()).filter((l) => l && !NPM_NOISE.test(l));
  return lines.find((l) => /^npm error\b/i.test(l)) ?? lines.at(-1);
}

/** Builds the report rows from the hub's status and what the probes saw. */
export function doctorRows(
  status: ServerStatus[],
  probes: ConnectionProbes,
  connectMs: (id: string) => number,
  detail: (id: string) => string | undefined = () => undefined,
): DoctorRow[] {
  return status.map((s) => {
    const probe = probes.get(s.id);
    const definition = probe?.server as (ServerDefinition & { command?: string; url?: string; cwd?: string }) | undefined;
    let error = shortError(s.id, s.error);
    let hint: string | undefined;
    if (!ok(s.state)) {
      const transport = probe?.transport as { exitCode?: number | null; exitSignal?: string | null } | undefined;
      hint = failureHint({
        transport: s.transport,
        command: definition?.command,
        cwd: definition?.cwd,
        url: definition?.url,
        error: s.error,
        errors: probe?.errors ?? [],
        exitCode: transport?.exitCode,
        exitSignal: transport?.exitSignal,
        connectMs: connectMs(s.id),
      });
      const cause = rootCause(probe);
      if (cause && error && s.transport !== 'stdio' && !error.includes(cause)) error = `${error} (${cause})`;
      const stderr = telltaleStderrLine(probe);
      if (stderr && !(error ?? '').includes(stderr)) error = `${error ?? s.state}; stderr: ${stderr}`;
      if (!error) error = s.state === 'starting' ? 'still starting when doctor stopped waiting' : undefined;
    }
    return { id: s.id, source: sourceCell(s.source, detail(s.id)), state: s.state, tools: s.tools, startupMs: s.startupMs, error, hint };
  });
}

/** The report as text: the config file, a table (a hint under each failure) and a summary line. Secrets redacted. */
export function renderDoctor(report: DoctorReport, secrets: Pick<SecretRedactor, 'redact'>): string {
  const rows: string[][] = [];
  const failedSources = report.failedSources ?? [];
  // A source that failed hides every server it would have listed: it leads the table, as a failed row.
  for (const source of failedSources) rows.push([`(config source)`, source.plugin, 'failed', '-', '-', source.error]);
  for (const row of report.rows) {
    rows.push([row.id, row.source, row.state, String(row.tools), row.startupMs !== undefined ? String(row.startupMs) : '-', row.error ?? '']);
    if (row.hint) rows.push(['', '', '', '', '', `hint: ${row.hint}`]);
  }
  const enabled = report.rows.filter((r) => r.state !== 'disabled');
  const ready = enabled.filter((r) => r.state === 'ready');
  const bad = enabled.filter((r) => r.state !== 'ready');
  const sourceSummary = failedSources.length
    ? [`config source${failedSources.length === 1 ? '' : 's'} failed: ${failedSources.map((s) => s.plugin).join(', ')} (their servers are missing above)`]
    : [];
  const lines = [
    `config: ${report.configFile ?? '(no config file)'}`,
    '',
    rows.length ? formatTable(['SERVER', 'SOURCE', 'STATE', 'TOOLS', 'STARTUP (ms)', 'ERROR / HINT'], rows) : 'no servers configured',
    '',
    enabled.length === 0
      ? 'no enabled servers'
      : bad.length === 0
        ? `all ${enabled.length} enabled server${enabled.length === 1 ? '' : 's'} ready`
        : `${ready.length} of ${enabled.length} enabled servers ready; not ready: ${bad.map((r) => r.id).join(', ')}`,
    ...sourceSummary,
  ];
  return `${secrets.redact(lines.join('\n'))}\n`;
}

/**
 * `mcp-switchboard doctor`: loads the config like the proxy (errors exit 2), starts every server through the hub
 * (no front door), waits until each is ready or failed (bounded by the connect timeouts), prints a table with a
 * hint for each failure and exits 0 when every enabled server is ready, 1 otherwise.
 */
export async function doctorCommand(settings: CliSettings, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const probes = new ConnectionProbes();
  // The report says it all: logs stay quiet unless a level was asked for (flag, env or config file).
  const quiet: CliSettings = { ...settings, defaults: { ...settings.defaults, logLevel: 'silent' } };
  const booted = await boot(quiet, env, process.cwd(), {
    connectors: (list) => probes.wrap(list),
    // One start attempt per server: the first failure is the answer (no backoff, no restarts).
    hubConfig: (config) => ({ ...config, supervision: { ...config.supervision, maxFailures: 1 } }),
  });
  try {
    const config = booted.kernel.config.current;
    const connectMs = (id: string) => probes.get(id)?.server.timeouts?.connectMs ?? config.timeouts.connectMs;
    await booted.hub.settled(Math.max(config.startupBudgetMs, config.timeouts.connectMs));
    // Per-server connect timeouts may be longer than the global one: wait for those too, bounded by the longest.
    const longest = Math.max(config.timeouts.connectMs, ...booted.hub.status().map((s) => connectMs(s.id)));
    if (booted.hub.status().some((s) => s.state === 'starting')) await booted.hub.settled(longest);
    const rows = doctorRows(booted.hub.status(), probes, connectMs, booted.serverDetail);
    const failedSources = booted.sourceHealth().flatMap(({ plugin, error }) => (error ? [{ plugin, error }] : []));
    const report: DoctorReport = {
      configFile: booted.kernel.config.filepath,
      rows,
      failedSources,
      healthy: rows.every((r) => ok(r.state)) && failedSources.length === 0,
    };
    process.stdout.write(renderDoctor(report, booted.kernel.secrets));
    return report.healthy ? 0 : 1;
  } finally {
    await booted.stop();
  }
}
