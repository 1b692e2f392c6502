import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProxyConfigFile {
  path: string;
  dispose(): Promise<void>;
}

/**
 * A temporary Switchboard config holding only the echo fixture, started exactly as the direct target is
 * (same command and args), so the proxy's downstream is the very server measured directly.
 */
export async function writeProxyConfig(prefix: string, echo: { command: string; args: string[] }): Promise<ProxyConfigFile> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const path = join(dir, 'switchboard.config.json');
  const config = { mcpServers: { echo: { command: echo.command, args: echo.args } } };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}
