import { PluginDriver, withPluginIds, type FilterContribution, type ServerDefinition, type Tool } from '@mcp-switchboard/plugin-api';
import { describe, expect, it } from 'vitest';
import type { CatalogSource } from './catalog.js';
import { CatalogViews, DEFAULT_VIEW } from './views.js';

const definition = (id: string): ServerDefinition =>
  ({ id, name: id, source: 'test', enabled: true, transport: 'stdio', command: 'x', args: [], env: {} }) as ServerDefinition;
const tool = (name: string): Tool => ({ name, inputSchema: { type: 'object' } });

/** Views over servers whose state the test sets: absent (not serving), on its way back (lists kept), or ready. */
function harness(filters: FilterContribution[] = []) {
  const servers = new Map<string, { ready: boolean; tools: string[] }>();
  const warnings: string[] = [];
  const views = new CatalogViews({
    namespace: { mode: 'never', separator: '__', maxLength: 64 },
    filters: new PluginDriver(withPluginIds('filter', filters)),
    serversOf: () => new Set(servers.keys()),
    sourcesOf: (ids) =>
      [...servers]
        .filter(([id, s]) => ids.has(id) && (s.ready || s.tools.length > 0))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(
          ([id, s]): CatalogSource => ({
            definition: definition(id),
            ready: s.ready,
            tools: s.tools.map(tool),
            prompts: [],
            resources: [],
            resourceTemplates: [],
          }),
        ),
    warn: (message) => warnings.push(message),
    onRebuilt: () => {},
  });
  const names = () => {
    const snapshot = views.invalidate();
    snapshot.giveOutNames(); // as a client's tools/list does
    return Object.fromEntries([...snapshot.toolsByName].map(([name, e]) => [name, e.serverId]));
  };
  return { servers, views, names, warnings };
}

describe('CatalogViews name memory', () => {
  it('holds a name for its server while it is down, and releases it when the tool or the server is gone', () => {
    const { servers, views, names } = harness();
    servers.set('zeta', { ready: true, tools: ['echo'] });
    servers.set('alpha', { ready: false, tools: [] });
    expect(names()).toEqual({ echo: 'zeta' });

    servers.set('alpha', { ready: true, tools: ['echo'] });
    const both = names();
    const alphaName = Object.keys(both).find((n) => both[n] === 'alpha')!;
    expect(both.echo).toBe('zeta');
    expect(alphaName).toMatch(/^echo_[0-9a-f]{6}$/);

    // zeta restarts without its lists: "echo" is held for it, not given to alpha.
    servers.set('zeta', { ready: false, tools: [] });
    expect(names()).toEqual({ [alphaName]: 'alpha' });
    expect(views.get(DEFAULT_VIEW).unlistedTools.get('echo')).toEqual({ reason: 'server-down', serverId: 'zeta', originalName: 'echo' });
    servers.set('zeta', { ready: true, tools: ['echo'] });
    expect(names()).toEqual({ echo: 'zeta', [alphaName]: 'alpha' });

    // zeta, ready, no longer lists echo: the name is released; alpha keeps the name its clients call.
    servers.set('zeta', { ready: true, tools: [] });
    expect(names()).toEqual({ [alphaName]: 'alpha' });
    expect(views.get(DEFAULT_VIEW).unlistedTools.size).toBe(0);
    servers.set('beta', { ready: true, tools: ['echo'] });
    expect(names()).toEqual({ echo: 'beta', [alphaName]: 'alpha' });

    // beta removed from the config: released at once; a server that comes later may have it.
    servers.delete('beta');
    servers.set('gamma', { ready: false, tools: [] });
    names();
    servers.set('gamma', { ready: true, tools: ['echo'] });
    expect(names()).toEqual({ echo: 'gamma', [alphaName]: 'alpha' });
  });

  it('does not hold names no client has seen: at start-up names follow from the set of servers alone', () => {
    const { servers, views } = harness();
    servers.set('zeta', { ready: true, tools: ['echo'] });
    expect(views.invalidate().toolsByName.get('echo')?.serverId).toBe('zeta');
    servers.set('alpha', { ready: true, tools: ['echo'] });
    expect(views.invalidate().toolsByName.get('echo')?.serverId).toBe('alpha');
  });

  it('keeps the name of a tool a filter hides for a while, and remembers hidden names without listing them', () => {
    let hide = false;
    const { servers, views, names } = harness([{ tool: (server, t) => !(hide && server.id === 'zeta' && t.name === 'echo') }]);
    servers.set('zeta', { ready: true, tools: ['echo'] });
    expect(names()).toEqual({ echo: 'zeta' });
    hide = true;
    servers.set('alpha', { ready: true, tools: ['echo'] });
    const hidden = names();
    expect(Object.values(hidden)).toEqual(['alpha']);
    expect(Object.keys(hidden)[0]).toMatch(/^echo_[0-9a-f]{6}$/);
    expect(views.get(DEFAULT_VIEW).unlistedTools.get('echo')).toEqual({ reason: 'hidden', serverId: 'zeta', originalName: 'echo' });
    hide = false;
    expect(names().echo).toBe('zeta');
  });
});
