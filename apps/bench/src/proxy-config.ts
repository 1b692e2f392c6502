import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ServerCommand {
  command: string;
  args: string[];
}

/**
 * Writes a Switchboard config into the run's scratch directory (whose name carries the run marker, so the proxy's
 * command line does too) and returns its path. Servers start exactly as their direct references do.
 */
export async function writeProxyConfig(dir: string, name: string, servers: Record<string, ServerCommand>): Promise<string> {
  const path = join(dir, `${name}.config.json`);
  const mcpServers = Object.fromEntries(Object.entries(servers).map(([id, s]) => [id, { command: s.command, args: s.args }]));
  await writeFile(path, `${JSON.stringify({ mcpServers }, null, 2)}\n`);
  return path;
}
