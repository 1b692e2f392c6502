import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { clientConfigLocations, type MachineFacts } from './client-configs.js';
import { planInit, readServers, type FoundClientConfig, type InitPlan } from './plan-init.js';

export interface InitOptions {
  /** Write the client configs (each after a backup). Default: only print them. */
  apply: boolean;
  /** Overwrite an existing Switchboard config. */
  force: boolean;
  /** Where the Switchboard config goes. */
  configOut: string;
  facts: MachineFacts;
  /** For backup names. */
  now: () => Date;
  print: (text: string) => void;
}

/** The Switchboard config's default place: the user config dir, where discovery finds it from anywhere. */
export function defaultInitConfigPath(facts: MachineFacts): string {
  const base =
    facts.platform === 'win32' ? facts.env.APPDATA || resolve(facts.home, 'AppData', 'Roaming') : facts.env.XDG_CONFIG_HOME || resolve(facts.home, '.config');
  return resolve(base, 'switchboard', 'switchboard.config.json');
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Reads every client config that exists; one that is not JSON is reported and left alone. */
async function findClientConfigs(facts: MachineFacts, print: (text: string) => void): Promise<FoundClientConfig[]> {
  const found: FoundClientConfig[] = [];
  for (const location of clientConfigLocations(facts)) {
    let text: string;
    try {
      text = await readFile(location.file, 'utf8');
    } catch {
      continue;
    }
    let content: unknown;
    try {
      content = JSON.parse(text);
    } catch (error) {
      print(`  ${location.client}: ${location.file} is not plain JSON (${(error as Error).message}); left alone\n`);
      continue;
    }
    if (!content || typeof content !== 'object' || Array.isArray(content)) continue;
    found.push({ ...location, content: content as Record<string, unknown>, ...readServers(content as Record<string, unknown>, location.key) });
  }
  return found;
}

function describeFound(found: readonly FoundClientConfig[], facts: MachineFacts): string {
  if (found.length === 0) {
    const looked = clientConfigLocations(facts)
      .map((l) => `  ${l.client}: ${l.file}`)
      .join('\n');
    return `No MCP client config found. Looked for:\n${looked}\n`;
  }
  const lines = found.map((c) => {
    const names = Object.keys(c.servers);
    const servers = names.length ? `${names.length} server${names.length === 1 ? '' : 's'}: ${names.join(', ')}` : 'no servers';
    const already = c.switchboardEntries.length ? ` (already runs Switchboard: ${c.switchboardEntries.join(', ')})` : '';
    return `  ${c.client}: ${c.file}\n    ${servers}${already}`;
  });
  return `Found:\n${lines.join('\n')}\n`;
}

/**
 * `mcp-switchboard init`: finds the user's MCP client configs, writes one Switchboard config with their
 * servers, and shows (or with `apply`, writes after a backup) each client config with its servers replaced by one
 * Switchboard entry. Returns the exit code.
 */
export async function runInit(options: InitOptions): Promise<number> {
  const { facts, print } = options;
  const found = await findClientConfigs(facts, print);
  const configOut = resolve(options.configOut);
  const plan: InitPlan = planInit(found, { command: 'npx', args: ['-y', 'mcp-switchboard', '--config', configOut] });
  // Server env values and tokens are secrets: the report names servers, never prints their values.
  // Server names are public (they become tool prefixes), even when an env value equals one.
  // The kernel is loaded when init runs, not for every `--help`.
  const { findSecrets, processSecrets } = await import('@mcp-switchboard/kernel');
  processSecrets.addPublic(Object.keys(plan.config.mcpServers));
  processSecrets.add(findSecrets(plan.config));
  const say = (text: string) => print(processSecrets.redact(text));
  say(describeFound(found, facts));
  const count = Object.keys(plan.config.mcpServers).length;
  if (count === 0) {
    say('\nNothing to move into Switchboard.\n');
    return 0;
  }

  if ((await exists(configOut)) && !options.force) {
    throw new SwitchboardError('SWB_USAGE', `init: ${configOut} exists already`, {
      fix: 'Pass --force to overwrite it, or --config-out FILE to write the Switchboard config elsewhere.',
    });
  }
  await mkdir(dirname(configOut), { recursive: true });
  // It holds the servers' env values (API keys): readable by the user only.
  await writeFile(configOut, json(plan.config), { mode: 0o600 });
  const origins = Object.entries(plan.origins)
    .map(([name, client]) => `${name} (${client})`)
    .join(', ');
  say(`\nWrote ${configOut} with ${count} server${count === 1 ? '' : 's'}: ${origins}\n`);

  const stamp = options.now().toISOString().replace(/[:.]/g, '-');
  for (const { found: client, replacement } of plan.clients) {
    if (options.apply) {
      const backup = `${client.file}.switchboard-backup-${stamp}`;
      await copyFile(client.file, backup);
      await writeFile(client.file, json(replacement));
      say(`\nUpdated ${client.client}: ${client.file} (backup: ${backup})\n`);
    } else {
      say(`\n${client.client} (${client.file}) would become:\n${json(replacement)}`);
    }
  }
  if (!options.apply && plan.clients.length > 0) {
    say('\nDry run: no client config was changed. Run `mcp-switchboard init --apply` to write them (each after a backup).\n');
  }
  return 0;
}

/** Registers `init` on the CLI. */
export function registerInitCommand(program: Command, onDone: (code: number) => void): Command {
  const facts: MachineFacts = { platform: process.platform, home: homedir(), env: process.env };
  return program
    .command('init')
    .description(
      "find your MCP clients' configs (Claude Desktop, Cursor, VS Code, Cline, Windsurf), write a Switchboard config with their servers, and show each client config with them replaced by one Switchboard entry (--apply writes those, after a backup)",
    )
    .option('--apply', 'write the client configs (each after a backup); without it they are only printed', false)
    .option('--dry-run', 'print the client configs without changing them (the default)')
    .option('--config-out <file>', 'where to write the Switchboard config', defaultInitConfigPath(facts))
    .option('--force', 'overwrite the Switchboard config if it exists', false)
    .action(async (opts: { apply: boolean; dryRun?: boolean; configOut: string; force: boolean }) => {
      onDone(
        await runInit({
          apply: opts.apply && !opts.dryRun,
          force: opts.force,
          configOut: opts.configOut,
          facts,
          now: () => new Date(),
          // Not a protocol mode: stdout is free for people here.
          print: (text) => process.stdout.write(text),
        }),
      );
    });
}
