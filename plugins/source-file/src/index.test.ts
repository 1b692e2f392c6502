import path from 'node:path';
import type { ServerDefinition, SwitchboardConfig, SwitchboardConfigInput } from '@mcp-switchboard/plugin-api';
import { createFakeConfig, createMemoryLogger } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import defaultExport, { FileConfigSource, plugin, serversFromConfig } from './index.js';

/** The test kit's config fake, at a config file's path. */
const configService = (input: SwitchboardConfigInput, filepath: string | undefined = '/etc/switchboard/switchboard.config.json') => {
  const service = createFakeConfig(input, filepath);
  return { service, reload: service.replace, listenerCount: service.listenerCount };
};

const byId = (servers: ServerDefinition[]) => Object.fromEntries(servers.map((s) => [s.id, s]));

describe('source-file plugin', () => {
  it('is exported as default and as `plugin`, depends on config and logger', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'source-file', kind: 'config-source' });
    expect(Object.keys(plugin.deps).sort()).toEqual(['config', 'logger']);
  });

  it('turns each mcpServers entry into a server definition from source "file"', async () => {
    const { service } = configService({
      mcpServers: {
        memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: { MEMORY_FILE_PATH: '/tmp/m.json' } },
        remote: { url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' } },
        sse: { type: 'sse', url: 'https://example.com/sse' },
        tuned: { command: 'node', args: ['s.js'], prefix: 'tt', timeoutMs: 5000 },
      },
    });
    const source = await plugin.setup({ config: service, logger: createMemoryLogger() }, undefined);
    const servers = byId(await source.load());
    expect(Object.keys(servers)).toEqual(['memory', 'remote', 'sse', 'tuned']);
    expect(servers.memory).toEqual({
      id: 'memory',
      name: 'memory',
      source: 'file',
      enabled: true,
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-memory'],
      env: { MEMORY_FILE_PATH: '/tmp/m.json' },
    });
    expect(servers.remote).toMatchObject({
      transport: 'streamable-http',
      url: 'https://example.com/mcp',
      headers: { Authorization: 'Bearer x' },
      autoDetect: true,
      source: 'file',
    });
    expect(servers.sse).toMatchObject({ transport: 'sse', url: 'https://example.com/sse' });
    expect(servers.tuned).toMatchObject({ prefix: 'tt', timeouts: { requestMs: 5000 } });
  });

  it('resolves a relative cwd against the config file’s folder and keeps an absolute one', async () => {
    const { service } = configService(
      {
        mcpServers: {
          rel: { command: 'node', cwd: 'servers/one' },
          up: { command: 'node', cwd: '../shared' },
          abs: { command: 'node', cwd: '/opt/server' },
          none: { command: 'node' },
        },
      },
      '/home/me/project/switchboard.config.json',
    );
    const servers = byId(await new FileConfigSource(service).load());
    expect(servers.rel).toMatchObject({ cwd: '/home/me/project/servers/one' });
    expect(servers.up).toMatchObject({ cwd: '/home/me/shared' });
    expect(servers.abs).toMatchObject({ cwd: '/opt/server' });
    expect(servers.none).not.toHaveProperty('cwd');
  });

  it('resolves a relative cwd against process.cwd() when the config has no file', () => {
    const servers = serversFromConfig({ mcpServers: { rel: { command: 'node', cwd: 'x' } } }, undefined);
    expect(servers[0]).toMatchObject({ cwd: path.resolve(process.cwd(), 'x') });
  });

  it('returns disabled entries with enabled: false', async () => {
    const { service } = configService({
      mcpServers: {
        off: { command: 'node', disabled: true },
        alsoOff: { command: 'node', enabled: false },
        on: { command: 'node' },
      },
    });
    const servers = byId(await new FileConfigSource(service).load());
    expect(servers.off?.enabled).toBe(false);
    expect(servers.alsoOff?.enabled).toBe(false);
    expect(servers.on?.enabled).toBe(true);
  });

  it('returns an empty list for a config without servers', async () => {
    const { service } = configService({});
    expect(await new FileConfigSource(service).load()).toEqual([]);
  });

  it('throws SWB_CONFIG_INVALID naming the file and the path for a hand-made config with a bad entry', () => {
    expect(() => serversFromConfig({ mcpServers: { broken: { args: ['x'] } } } as unknown as SwitchboardConfig, '/cfg/switchboard.json')).toThrow(
      expect.objectContaining({ code: 'SWB_CONFIG_INVALID', message: expect.stringMatching(/\/cfg\/switchboard\.json.*mcpServers\.broken\.command/) }),
    );
  });

  it('watch pushes the new list after each reload and stops after unsubscribe', async () => {
    const { service, reload, listenerCount } = configService({ mcpServers: { a: { command: 'node' } } });
    const source = new FileConfigSource(service);
    const pushed: string[][] = [];
    const unsubscribe = source.watch((servers) => pushed.push(servers.map((s) => `${s.id}:${s.enabled}`)));
    reload({ mcpServers: { a: { command: 'node', disabled: true }, b: { url: 'http://127.0.0.1:3000/mcp' } } });
    expect(pushed).toEqual([['a:false', 'b:true']]);
    expect(await source.load()).toHaveLength(2);
    unsubscribe();
    expect(listenerCount()).toBe(0);
    reload({ mcpServers: {} });
    expect(pushed).toHaveLength(1);
  });

  it('watch logs a reload with a bad entry and pushes nothing', () => {
    const { service, reload } = configService({ mcpServers: { a: { command: 'node' } } });
    const logger = createMemoryLogger();
    const pushed: ServerDefinition[][] = [];
    new FileConfigSource(service, logger).watch((servers) => pushed.push(servers));
    reload({ mcpServers: { a: {} } } as unknown as SwitchboardConfig, { validate: false });
    expect(pushed).toEqual([]);
    expect(
      logger.lines
        .filter((l) => l.level === 'error')
        .map((l) => `${l.message} ${JSON.stringify(l.fields)}`)
        .join('\n'),
    ).toContain('mcpServers.a.command');
  });
});
