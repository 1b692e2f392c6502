import { isAbsolute, dirname, resolve } from 'node:path';
import { SwitchboardError, type PluginEntry, type Tool } from '@mcp-switchboard/plugin-api';
import {
  approvePins,
  diffPins,
  lockfilePath,
  readLockfile,
  writeLockfile,
  type CurrentTools,
  type PinDifference,
  type ServerPrefixes,
} from '@mcp-switchboard/plugin-pinning';
import { boot } from '../boot.js';
import type { CliSettings } from '../cli-settings.js';
import { formatTable } from '../format-table.js';

const pinningNames = new Set(['pinning', '@mcp-switchboard/plugin-pinning']);

/** The lockfile the pinning plugin of this config uses: its `lockfile` option, else beside the config. */
export function configuredLockfile(plugins: readonly PluginEntry[] | undefined, configFile: string | undefined): string {
  for (const entry of plugins ?? []) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !pinningNames.has(entry[0])) continue;
    const option = (entry[1] as { lockfile?: unknown } | undefined)?.lockfile;
    if (typeof option === 'string' && option) return isAbsolute(option) ? option : resolve(configFile ? dirname(configFile) : process.cwd(), option);
  }
  return lockfilePath(configFile);
}

/** Starts every server once, and collects each one's tools as the server lists them (original names and definitions). */
async function currentTools(
  settings: CliSettings,
  env: NodeJS.ProcessEnv,
): Promise<{ tools: CurrentTools; prefixes: ServerPrefixes; lockfile: string; failed: Map<string, string>; redact: (text: string) => string }> {
  const booted = await boot(settings, env, process.cwd(), {
    hubConfig: (config) => ({ ...config, supervision: { ...config.supervision, maxFailures: 1 } }),
  });
  const tools: Record<string, Tool[]> = {};
  const prefixes: Record<string, string | undefined> = {};
  const unsubscribe = booted.kernel.events.on((event) => {
    if (event.type !== 'server.discovered') return;
    // The event carries the server's own definitions (its list cache), typed loosely as a catalog summary.
    tools[event.server.id] = [...event.catalog.tools] as Tool[];
    prefixes[event.server.id] = event.server.prefix;
  });
  try {
    const config = booted.kernel.config.current;
    await booted.hub.settled(Math.max(config.startupBudgetMs, config.timeouts.connectMs));
    await booted.kernel.events.idle();
    const failed = new Map(
      booted.hub
        .status()
        .filter((s) => !(s.id in tools))
        .map((s) => [s.id, `${s.state}${s.error ? `: ${s.error}` : ''}`]),
    );
    const lockfile = configuredLockfile(config.plugins, booted.kernel.config.filepath);
    return { tools, prefixes, lockfile, failed, redact: (text) => booted.kernel.secrets.redact(text) };
  } finally {
    unsubscribe();
    await booted.stop();
  }
}

const describeField = (difference: PinDifference): string =>
  difference.status === 'changed' ? difference.fields.join(', ') : difference.status === 'new' ? '(not pinned yet)' : '(no longer listed)';

/** What `pins diff` prints: a table, then the new text of each changed description. */
export function renderDiff(differences: readonly PinDifference[], lockfile: string): string {
  if (!differences.length) return `Every tool matches ${lockfile}.\n`;
  const table = formatTable(
    ['SERVER', 'TOOL', 'STATUS', 'CHANGED'],
    differences.map((d) => [d.server, d.tool, d.status, describeField(d)]),
  );
  const details = differences
    .filter((d): d is Extract<PinDifference, { status: 'changed' }> => d.status === 'changed')
    .map((d) => {
      const lines = d.fields.map(
        (field) =>
          `  ${field}: ${field === 'description' || field === 'title' ? (d.definition[field] ?? '(removed)') : JSON.stringify(d.definition[field] ?? null)}`,
      );
      return `${d.server}/${d.tool} now has\n${lines.join('\n')}`;
    });
  const approve = `Approve with \`mcp-switchboard pins approve <server>[/<tool>]\`.`;
  return `${table}\n${details.length ? `\n${details.join('\n\n')}\n` : ''}\n${approve}\n`;
}

function unanswered(failed: Map<string, string>, only?: string): string {
  const lines = [...failed].filter(([id]) => only === undefined || id === only).map(([id, why]) => `  ${id}: ${why}`);
  return lines.length ? `Not compared (did not list its tools):\n${lines.join('\n')}\n` : '';
}

/** `mcp-switchboard pins diff [server]`: exit 0 when everything matches the lockfile, 1 when something differs. */
export async function pinsDiffCommand(settings: CliSettings, server: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { tools, prefixes, lockfile, failed, redact } = await currentTools(settings, env);
  const differences = diffPins(await readLockfile(lockfile), tools, prefixes).filter((d) => server === undefined || d.server === server);
  process.stdout.write(redact(renderDiff(differences, lockfile)));
  process.stderr.write(redact(unanswered(failed, server)));
  return differences.length ? 1 : 0;
}

/** `mcp-switchboard pins approve <server>[/<tool>]`: writes the current definitions into the lockfile. */
export async function pinsApproveCommand(settings: CliSettings, target: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { tools, prefixes, lockfile, failed, redact } = await currentTools(settings, env);
  const server = target.split('/')[0]!;
  if (!(server in tools)) {
    const why = failed.get(server);
    throw new SwitchboardError(
      'SWB_SERVER_UNAVAILABLE',
      `pins approve: server "${server}" ${why ? `did not list its tools (${why})` : 'is not in the config'}`,
      {
        fix: why ? 'Start the server successfully (see `mcp-switchboard doctor`), then approve again.' : 'Use a server id from `mcp-switchboard list`.',
      },
    );
  }
  const { lock, approved } = approvePins(await readLockfile(lockfile), tools, target, prefixes);
  if (!approved.length) {
    process.stdout.write(`Nothing to approve for ${target}: it matches ${lockfile}.\n`);
    return 0;
  }
  await writeLockfile(lockfile, lock);
  const lines = approved.map((d) => `  ${d.server}/${d.tool} (${d.status === 'changed' ? `changed: ${d.fields.join(', ')}` : d.status})`);
  process.stdout.write(redact(`Approved in ${lockfile}:\n${lines.join('\n')}\nA running proxy picks this up within its pollMs (2 s by default).\n`));
  return 0;
}
