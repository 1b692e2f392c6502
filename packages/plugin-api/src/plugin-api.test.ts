import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  apiVersion,
  coreServices,
  createToken,
  definePlugin,
  isSwitchboardPlugin,
  mcpServerEntrySchema,
  serverFromEntry,
  switchboardConfigSchema,
} from './index.js';

describe('definePlugin', () => {
  it('fills in apiVersion and keeps the spec', () => {
    const plugin = definePlugin({
      id: 'demo',
      kind: 'config-source',
      options: z.object({ n: z.number() }),
      deps: { logger: coreServices.logger },
      setup: (_deps, options) => ({ load: async () => (options.n > 0 ? [] : []) }),
    });
    expect(plugin.apiVersion).toBe(apiVersion);
    expect(plugin.deps.logger).toBe(coreServices.logger);
    expect(isSwitchboardPlugin(plugin)).toBe(true);
    expect(isSwitchboardPlugin({ id: 'x' })).toBe(false);
  });

  it('refuses a spec without setup', () => {
    expect(() => definePlugin({ id: 'x', kind: 'filter' } as never)).toThrow(/setup/);
  });
});

describe('tokens', () => {
  it('are frozen plain objects', () => {
    const token = createToken<number>('demo.value', { multiple: true });
    expect(token).toEqual({ id: 'demo.value', multiple: true });
    expect(Object.isFrozen(token)).toBe(true);
    expect(() => createToken('')).toThrow();
  });
});

describe('server entries', () => {
  it('turns a Claude Desktop stdio entry into a definition', () => {
    const entry = mcpServerEntrySchema.parse({ command: 'npx', args: ['-y', 'x'], env: { A: '1' }, disabled: true });
    expect(serverFromEntry('fs', entry, 'file')).toEqual({
      id: 'fs',
      name: 'fs',
      source: 'file',
      enabled: false,
      transport: 'stdio',
      command: 'npx',
      args: ['-y', 'x'],
      env: { A: '1' },
    });
  });

  it('maps remote types, and a bare url to auto-detection', () => {
    const sse = serverFromEntry('a', mcpServerEntrySchema.parse({ type: 'sse', url: 'http://127.0.0.1:1/sse' }), 'file');
    expect(sse).toMatchObject({ transport: 'sse', url: 'http://127.0.0.1:1/sse', headers: {} });
    const bare = serverFromEntry('b', mcpServerEntrySchema.parse({ url: 'http://127.0.0.1:1/mcp' }), 'file');
    expect(bare).toMatchObject({ transport: 'streamable-http', autoDetect: true });
  });

  it('rejects an entry with neither command nor url, and a remote type without url', () => {
    expect(mcpServerEntrySchema.safeParse({ args: [] }).success).toBe(false);
    const result = mcpServerEntrySchema.safeParse({ type: 'sse' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['url']);
  });
});

describe('config schema', () => {
  it('applies defaults and keeps unknown top-level keys (Claude Desktop files)', () => {
    const config = switchboardConfigSchema.parse({ mcpServers: {}, globalShortcut: 'x' });
    expect(config.namespace).toEqual({ mode: 'always', separator: '__', maxLength: 64 });
    expect((config as Record<string, unknown>).globalShortcut).toBe('x');
  });

  it('flags a profile naming an unknown server at its path', () => {
    const result = switchboardConfigSchema.safeParse({ mcpServers: { a: { command: 'x' } }, profiles: { p: { servers: ['a', 'b'] } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['profiles', 'p', 'servers', 1]);
  });
});

describe('formatJsonPath', () => {
  it('writes paths the way people do', async () => {
    const { formatJsonPath } = await import('./index.js');
    expect(formatJsonPath(['mcpServers', 'github', 'args', 1])).toBe('mcpServers.github.args[1]');
    expect(formatJsonPath(['headers', 'X Api Key'])).toBe('headers["X Api Key"]');
    expect(formatJsonPath([])).toBe('(root)');
  });
});
