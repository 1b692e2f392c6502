import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreServices, type ServerDefinition } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import { createMemoryLogger, type MemoryLogger } from './memory-logger.js';
import { createTestKernel, defineTestPlugin } from './test-kernel.js';

const server: ServerDefinition = { id: 's', name: 's', source: 'test', enabled: true, transport: 'stdio', command: 'node', args: [], env: {} };

describe('defineTestPlugin', () => {
  it('makes a valid plugin of any kind with a do-nothing contribution', async () => {
    const a = defineTestPlugin('reporter');
    const b = defineTestPlugin('reporter');
    expect(a.id).not.toBe(b.id);
    expect(a).toMatchObject({ kind: 'reporter', apiVersion: '2.0.0', deps: {} });
    const contribution = await a.setup({}, undefined);
    expect(typeof contribution.onEvent).toBe('function');
  });

  it('merges a partial contribution into the default one', async () => {
    const source = defineTestPlugin('config-source', { id: 'mine', contribution: { load: async () => [server] } });
    expect(source.id).toBe('mine');
    expect(await (await source.setup({}, undefined)).load()).toEqual([server]);
  });

  it('takes contribution members directly too', async () => {
    const events: string[] = [];
    const reporter = defineTestPlugin('reporter', { enforce: 'pre', onEvent: (event) => void events.push(event.type) });
    expect(reporter.enforce).toBe('pre');
    await (await reporter.setup({}, undefined)).onEvent({ type: 'catalog.changed', tools: 0, prompts: 0, resources: 0, at: 0 });
    expect(events).toEqual(['catalog.changed']);
  });
});

describe('createMemoryLogger', () => {
  it('records lines with child bindings, shared by children', () => {
    const logger = createMemoryLogger();
    logger.child({ plugin: 'p' }).warn('careful', { n: 1 });
    logger.info('plain');
    expect(logger.lines).toEqual([
      { level: 'warn', message: 'careful', fields: { plugin: 'p', n: 1 } },
      { level: 'info', message: 'plain', fields: {} },
    ]);
    expect(logger.messages('warn')).toEqual(['careful']);
    expect(logger.find('plai')?.level).toBe('info');
    logger.clear();
    expect(logger.lines).toEqual([]);
  });
});

describe('createTestKernel', () => {
  it('loads a config from a temp folder, runs plugins with options, and removes the folder on stop', async () => {
    const seen: unknown[] = [];
    const filter = defineTestPlugin('filter', {
      options: z.object({ deny: z.array(z.string()).default([]) }),
      deps: { logger: coreServices.logger },
      setup: ({ logger }, options) => {
        seen.push(options);
        logger.info('filter ready');
        return {};
      },
    });
    const kernel = await createTestKernel({
      config: { mcpServers: { a: { command: '${CMD}' } } },
      env: { CMD: 'node' },
      plugins: [defineTestPlugin('config-source', { contribution: { load: async () => [server] } }), [filter, { deny: ['x'] }]],
    });
    const file = kernel.config.filepath!;
    expect(kernel.config.current.mcpServers).toEqual({ a: { command: 'node' } });
    await kernel.start();
    expect(await kernel.sources[0]!.load()).toEqual([server]);
    expect(seen).toEqual([{ deny: ['x'] }]);
    expect((kernel.logger as MemoryLogger).find('filter ready')?.fields.plugin).toBe(filter.id);
    const stopped = kernel.stop();
    expect(kernel.stop()).toBe(stopped);
    await stopped;
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('without a config: schema defaults, no file, never a config from the machine', async () => {
    const kernel = await createTestKernel({ env: { SWITCHBOARD_CONFIG: '' } });
    expect(kernel.config.filepath).toBeUndefined();
    expect(kernel.config.current.mcpServers).toEqual({});
    await kernel.stop();
  });

  it('passes config problems through, with the test file named', async () => {
    await expect(createTestKernel({ config: { mcpServers: { a: { command: 1 } } } })).rejects.toThrow(
      /switchboard\.config\.json: mcpServers\.a\.command: expected string/,
    );
  });
});
