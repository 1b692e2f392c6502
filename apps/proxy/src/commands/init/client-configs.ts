import { join } from 'node:path';

/** Where a machine keeps things, injectable so every OS's paths are tested on one. */
export interface MachineFacts {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
}

/** An MCP client whose config file lists servers. */
export interface ClientConfigLocation {
  client: string;
  file: string;
  /** The key of the server map: `mcpServers` (Claude Desktop format) or `servers` (VS Code's mcp.json). */
  key: 'mcpServers' | 'servers';
}

/** The per-user application data folder: `%APPDATA%`, `~/Library/Application Support` or `$XDG_CONFIG_HOME`. */
function appData(facts: MachineFacts): string {
  if (facts.platform === 'win32') return facts.env.APPDATA || join(facts.home, 'AppData', 'Roaming');
  if (facts.platform === 'darwin') return join(facts.home, 'Library', 'Application Support');
  return facts.env.XDG_CONFIG_HOME || join(facts.home, '.config');
}

/** The config files of Claude Desktop, Cursor, VS Code, Cline and Windsurf on this machine (existing or not). */
export function clientConfigLocations(facts: MachineFacts): ClientConfigLocation[] {
  const data = appData(facts);
  const vscodeUser = join(data, 'Code', 'User');
  return [
    { client: 'Claude Desktop', file: join(data, 'Claude', 'claude_desktop_config.json'), key: 'mcpServers' },
    { client: 'Cursor', file: join(facts.home, '.cursor', 'mcp.json'), key: 'mcpServers' },
    { client: 'VS Code', file: join(vscodeUser, 'mcp.json'), key: 'servers' },
    { client: 'Cline', file: join(vscodeUser, 'globalStorage', 'saoudrizwan.claude-dev', 'settings', 'cline_mcp_settings.json'), key: 'mcpServers' },
    { client: 'Windsurf', file: join(facts.home, '.codeium', 'windsurf', 'mcp_config.json'), key: 'mcpServers' },
  ];
}
