import { describe, expect, it } from 'vitest';
import { clientConfigLocations } from './client-configs.js';
import { isSwitchboardEntry, planInit, readServers } from './plan-init.js';

describe('client config locations per OS (injected machine facts)', () => {
  it('macOS, Windows and Linux', () => {
    const mac = clientConfigLocations({ platform: 'darwin', home: '/Users/me', env: {} });
    expect(mac.map((l) => [l.client, l.file])).toEqual([
      ['Claude Desktop', '/Users/me/Library/Application Support/Claude/claude_desktop_config.json'],
      ['Cursor', '/Users/me/.cursor/mcp.json'],
      ['VS Code', '/Users/me/Library/Application Support/Code/User/mcp.json'],
      ['Cline', '/Users/me/Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json'],
      ['Windsurf', '/Users/me/.codeium/windsurf/mcp_config.json'],
    ]);
    const windows = clientConfigLocations({ platform: 'win32', home: '/home/x', env: { APPDATA: '/appdata' } });
    expect(windows[0]!.file).toBe('/appdata/Claude/claude_desktop_config.json');
    expect(windows[2]).toMatchObject({ client: 'VS Code', file: '/appdata/Code/User/mcp.json', key: 'servers' });
    const linux = clientConfigLocations({ platform: 'linux', home: '/home/me', env: {} });
    expect(linux[0]!.file).toBe('/home/me/.config/Claude/claude_desktop_config.json');
    expect(clientConfigLocations({ platform: 'linux', home: '/home/me', env: { XDG_CONFIG_HOME: '/xdg' } })[0]!.file).toBe(
      '/xdg/Claude/claude_desktop_config.json',
    );
  });
});

describe('planInit', () => {
  it('recognises Switchboard entries by any launcher', () => {
    expect(isSwitchboardEntry({ command: 'npx', args: ['-y', 'mcp-switchboard'] })).toBe(true);
    expect(isSwitchboardEntry({ command: 'npx', args: ['-y', 'mcp-switchboard@0.2.0', '--config', 'x'] })).toBe(true);
    expect(isSwitchboardEntry({ command: 'node', args: ['/x/apps/proxy/node_modules/mcp-switchboard/dist/cli.js'] })).toBe(true);
    expect(isSwitchboardEntry({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] })).toBe(false);
  });

  it('merges the servers of every client once, renames a different server of the same name, keeps other settings', () => {
    const claude = {
      globalShortcut: 'x',
      mcpServers: { memory: { command: 'mem' }, fs: { command: 'fs', args: ['/a'] }, sb: { command: 'npx', args: ['mcp-switchboard'] } },
    };
    const vscode = { servers: { memory: { type: 'stdio', command: 'mem' }, fs: { type: 'stdio', command: 'fs', args: ['/b'] } } };
    const found = [
      { client: 'Claude Desktop', file: '/c.json', key: 'mcpServers' as const, content: claude, ...readServers(claude, 'mcpServers') },
      { client: 'VS Code', file: '/v.json', key: 'servers' as const, content: vscode, ...readServers(vscode, 'servers') },
    ];
    const plan = planInit(found, { command: 'npx', args: ['-y', 'mcp-switchboard', '--config', '/sb.json'] });
    expect(plan.config.mcpServers).toEqual({ memory: { command: 'mem' }, fs: { command: 'fs', args: ['/a'] }, 'fs-vs-code': { command: 'fs', args: ['/b'] } });
    expect(plan.clients[0]!.replacement).toEqual({
      globalShortcut: 'x',
      mcpServers: { switchboard: { command: 'npx', args: ['-y', 'mcp-switchboard', '--config', '/sb.json'] } },
    });
    expect(plan.clients[1]!.replacement).toEqual({
      servers: { switchboard: { type: 'stdio', command: 'npx', args: ['-y', 'mcp-switchboard', '--config', '/sb.json'] } },
    });
  });
});
