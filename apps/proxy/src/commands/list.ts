import type { Hub } from '@mcp-switchboard/hub';
import { boot } from '../boot.js';
import type { CliSettings } from '../cli-settings.js';
import { formatTable } from '../format-table.js';

/** A rough token count of what a definition costs a model's context: ~4 characters a token. */
export function estimateTokens(definition: unknown): number {
  return Math.ceil(JSON.stringify(definition).length / 4);
}

/** The SOURCE column: the source, and what else the server is known by there (a plugged.in UUID). */
export function sourceCell(source: string, detail: string | undefined): string {
  return detail ? `${source} (${detail})` : source;
}

/** The era a server speaks: its 2026-era version, `initialize` for a 2025-era one, `-` before it was probed. */
function protocolOf(status: ReturnType<Hub['status']>[number]): string {
  if (status.era === 'modern') return status.protocolVersion ?? 'modern';
  return status.era === 'legacy' ? 'initialize' : '-';
}

export function renderCatalog(hub: Hub, detail: (id: string) => string | undefined = () => undefined): string {
  const servers = hub.status();
  const serverTable = formatTable(
    ['SERVER', 'SOURCE', 'STATE', 'PROTOCOL', 'TOOLS', 'PROMPTS', 'RESOURCES', 'ERROR'],
    servers.map((s) => [
      s.id,
      sourceCell(s.source, detail(s.id)),
      s.state,
      protocolOf(s),
      String(s.tools),
      String(s.prompts),
      String(s.resources),
      s.error ?? '',
    ]),
  );
  const items = [...hub.tools().map((e) => ({ kind: 'tool', ...e })), ...hub.prompts().map((e) => ({ kind: 'prompt', ...e }))];
  const total = items.reduce((n, e) => n + estimateTokens(e.definition), 0);
  const catalogTable = formatTable(
    ['SERVER', 'KIND', 'EXPOSED NAME', 'ORIGINAL NAME', '~TOKENS'],
    items.map((e) => [e.serverId, e.kind, e.exposedName, e.originalName, String(estimateTokens(e.definition))]),
  );
  return `${serverTable}\n\n${catalogTable}\n\n${items.length} items, ~${total} tokens of definitions\n`;
}

/** `mcp-switchboard list`: connect to every server, print the catalog, exit. */
export async function listCommand(settings: CliSettings, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The table is the answer: info lines (every server's stderr among them) only when a level was asked for.
  const quiet: CliSettings = { ...settings, defaults: { ...settings.defaults, logLevel: 'warn' } };
  // One start attempt per server: a one-shot listing should not wait out restart backoffs of a broken server.
  const booted = await boot(quiet, env, process.cwd(), {
    hubConfig: (config) => ({ ...config, supervision: { ...config.supervision, maxFailures: 1 } }),
  });
  try {
    const config = booted.kernel.config.current;
    await booted.hub.settled(Math.max(config.startupBudgetMs, config.timeouts.connectMs));
    // Errors quote what servers printed; descriptions are the servers' own text: either may hold a secret.
    process.stdout.write(booted.kernel.secrets.redact(renderCatalog(booted.hub, booted.serverDetail)));
    return 0;
  } finally {
    await booted.stop();
  }
}
