import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SwitchboardAggregateError,
  SwitchboardError,
  coreServices,
  createToken,
  definePlugin,
  type PluginKind,
  type SwitchboardConfig,
  type SwitchboardPlugin,
} from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import { Kernel, type KernelOptions } from './kernel.js';
import { SecretRedactor } from './secrets.js';
import { contributionTokens } from './tokens.js';
import { linkRepoPackage, memoryLogger, pluginModule, record, removeTempDirs, resetRecord, tempDir, writeFiles, writePackage } from '../test/helpers.js';

afterAll(removeTempDirs);
beforeEach(resetRecord);

const kinds: PluginKind[] = ['config-source', 'reporter', 'filter', 'transport'];
const contributionFor: Record<PluginKind, () => object> = {
  'config-source': () => ({ load: async () => [] }),
  reporter: () => ({ onEvent() {} }),
  filter: () => ({}),
  middleware: () => ({}),
  service: () => ({}),
  transport: () => ({}),
};

/** A plugin recording its setup and dispose in the shared record. */
function recorder(id: string, kind: PluginKind, extra: Partial<SwitchboardPlugin> = {}): SwitchboardPlugin {
  return definePlugin({
    id,
    kind,
    setup: () => {
      record().push(`setup:${id}`);
      return { ...contributionFor[kind](), dispose: () => void record().push(`dispose:${id}`) } as never;
    },
    ...extra,
  } as never);
}

async function createKernel(root: string, options: Partial<KernelOptions> = {}): Promise<Kernel> {
  return Kernel.create({ cwd: root, env: {}, stopDir: root, globalConfigDir: join(root, 'no-global'), logger: memoryLogger(), ...options });
}

async function rejection(promise: Promise<unknown>): Promise<SwitchboardError & { errors?: SwitchboardError[] }> {
  try {
    await promise;
  } catch (error) {
    return error as SwitchboardError;
  }
  throw new Error('expected a rejection');
}

describe('a plugin of each kind loads from', () => {
  const inline = (id: string, kind: string) =>
    `{ id: '${id}', kind: '${kind}', apiVersion: '1.0.0', deps: {}, setup() { globalThis.__swbRecord.push('setup:${id}'); return { ${
      { 'config-source': 'load: async () => []', reporter: 'onEvent() {}', filter: 'tool: () => true', transport: 'connectors: []' }[kind]
    }, dispose() { globalThis.__swbRecord.push('dispose:${id}'); } }; } }`;

  const styles: Array<[string, (root: string) => Promise<void>, (id: string) => string]> = [
    [
      'an object in a .mjs config',
      (root) => writeFiles(root, { 'switchboard.config.mjs': `export default { plugins: [${kinds.map((k) => inline(`my-${k}`, k)).join(', ')}] };` }),
      () => 'config object',
    ],
    [
      'a path relative to the config',
      async (root) => {
        await writeFiles(root, { 'switchboard.config.json': { plugins: kinds.map((k) => `./plugins/${k}.mjs`) } });
        for (const k of kinds) await writeFiles(root, { [`plugins/${k}.mjs`]: pluginModule(`my-${k}`, k) });
      },
      (id) => `./plugins/${id.slice(3)}.mjs`,
    ],
    [
      'a package in node_modules next to the config',
      async (root) => {
        await writeFiles(root, { 'switchboard.config.json': { plugins: kinds.map((k) => k) } });
        for (const k of kinds) await writePackage(root, `switchboard-plugin-${k}`, pluginModule(`my-${k}`, k));
      },
      (id) => `package switchboard-plugin-${id.slice(3)} (`,
    ],
  ];

  it.each(styles)('%s', async (_name, write, expectedSource) => {
    const root = await tempDir();
    await write(root);
    const kernel = await createKernel(root);
    expect(kernel.contributions).toEqual([]); // nothing before start
    await kernel.start();
    expect(kernel.state).toBe('started');
    expect(kernel.sources).toHaveLength(1);
    expect(kernel.reporters).toHaveLength(1);
    expect(kernel.filters).toHaveLength(1);
    expect(kernel.transports).toHaveLength(1);
    expect(await kernel.sources[0]!.load()).toEqual([]);
    expect(kernel.contributions.map((c) => [c.kind, c.plugin.plugin.id])).toEqual(kinds.map((k) => [k, `my-${k}`]));
    for (const c of kernel.contributions) expect(c.plugin.source.startsWith(expectedSource(c.plugin.plugin.id))).toBe(true);
    await kernel.stop();
    expect(record()).toEqual([...kinds.map((k) => `setup:my-${k}`), ...[...kinds].reverse().map((k) => `dispose:my-${k}`)]);
  });
});

describe('setup order', () => {
  it('goes by phase, and inside a phase pre, config order, post', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.mjs': `export default { plugins: [
        { id: 'cfg-filter-post', kind: 'filter', enforce: 'post', apiVersion: '1.0.0', setup: () => (globalThis.__swbRecord.push('setup:cfg-filter-post'), {}) },
        { id: 'cfg-source', kind: 'config-source', apiVersion: '1.0.0', setup: () => (globalThis.__swbRecord.push('setup:cfg-source'), { load: async () => [] }) },
      ] };`,
    });
    const builtinPlugins = [
      recorder('transport', 'transport'),
      recorder('filter-post', 'filter', { enforce: 'post' }),
      recorder('filter', 'filter'),
      recorder('reporter', 'reporter'),
      recorder('source-post', 'config-source', { enforce: 'post' }),
      recorder('filter-pre', 'filter', { enforce: 'pre' }),
      recorder('source', 'config-source'),
      recorder('source-pre', 'config-source', { enforce: 'pre' }),
    ].map((plugin) => ({ plugin }));
    const kernel = await createKernel(root, { builtinPlugins });
    await kernel.start();
    const setups = record().filter((line) => line.startsWith('setup:'));
    expect(setups).toEqual(
      ['source-pre', 'source', 'cfg-source', 'source-post', 'reporter', 'filter-pre', 'filter', 'filter-post', 'cfg-filter-post', 'transport'].map(
        (id) => `setup:${id}`,
      ),
    );
    expect(kernel.plugins.map((p) => p.plugin.id)).toEqual(setups.map((s) => s.slice('setup:'.length)));
    await kernel.stop();
  });
});

describe('failures while starting', () => {
  it('a throwing setup fails start with one message naming plugin, source and cause; earlier plugins disposed in reverse', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { plugins: ['./broken.mjs'] },
      'broken.mjs': `export default { id: 'broken', kind: 'filter', apiVersion: '1.0.0', setup() { throw new Error('cannot reach the rules server'); } };`,
    });
    const logger = memoryLogger();
    const kernel = await createKernel(root, {
      logger,
      builtinPlugins: [
        {
          plugin: definePlugin({
            id: 'source',
            kind: 'config-source',
            deps: { lifecycle: coreServices.lifecycle },
            setup: ({ lifecycle }) => {
              lifecycle.onStop(() => void record().push('stop-hook:source'));
              record().push('setup:source');
              return { load: async () => [], dispose: () => void record().push('dispose:source') };
            },
          }),
        },
        { plugin: recorder('reporter', 'reporter') },
        { plugin: recorder('filter-before', 'filter') },
        { plugin: recorder('transport', 'transport') },
      ],
    });
    const error = await rejection(kernel.start());
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error.code).toBe('SWB_PLUGIN_SETUP');
    expect(error.message).toBe('plugin "broken" (./broken.mjs) failed to set up: cannot reach the rules server');
    expect((error.cause as Error).message).toBe('cannot reach the rules server');
    expect(record()).toEqual([
      'setup:source',
      'setup:reporter',
      'setup:filter-before',
      'stop-hook:source',
      'dispose:filter-before',
      'dispose:reporter',
      'dispose:source',
    ]);
    expect(kernel.state).toBe('stopped');
    // stop() after a failed start is safe and changes nothing.
    expect(await kernel.stop()).toEqual({ errors: [] });
    expect(record()).toHaveLength(7);
    // A second start does not set anything up again.
    await expect(kernel.start()).rejects.toBe(error);
  });

  it('a setup that returns no contribution is a setup failure', async () => {
    const root = await tempDir();
    const plugin = { id: 'empty', kind: 'reporter', apiVersion: '1.0.0', deps: {}, setup: () => undefined } as unknown as SwitchboardPlugin;
    const kernel = await createKernel(root, { builtinPlugins: [{ plugin }] });
    const error = await rejection(kernel.start());
    expect(error.message).toBe('plugin "empty" (builtin) failed to set up: setup() returned undefined, expected a reporter object');
  });

  it('an unknown dep token fails start before any setup, naming plugin and token', async () => {
    const root = await tempDir();
    const needy = definePlugin({ id: 'needy', kind: 'filter', deps: { cache: createToken<object>('acme.cache') }, setup: () => ({}) });
    const kernel = await createKernel(root, { builtinPlugins: [{ plugin: recorder('source', 'config-source') }, { plugin: needy }] });
    const error = await rejection(kernel.start());
    expect(error.code).toBe('SWB_PLUGIN_INVALID');
    expect(error.message).toContain('plugin "needy" (builtin) depends on "acme.cache" (deps.cache)');
    expect(error.fix).toBe('Load the plugin that provides "acme.cache" (list it in "plugins"), or use a version of "needy" that does not need it.');
    expect(record()).toEqual([]);
  });

  it('reports a config with three problems (wrong type, missing command, unknown plugin) in one error', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { mcpServers: { a: { command: 'node', args: 'server.js' }, b: { args: ['x'] } }, plugins: ['not-installed'] },
    });
    const error = await rejection(createKernel(root));
    expect(error).toBeInstanceOf(SwitchboardAggregateError);
    const file = join(root, 'switchboard.config.json');
    expect(error.message).toBe(`3 problems found loading ${file}`);
    expect(error.errors!.map((e) => e.code)).toEqual(['SWB_CONFIG_INVALID', 'SWB_CONFIG_INVALID', 'SWB_PLUGIN_NOT_FOUND']);
    expect(error.errors![0]!.message).toBe(`${file}: mcpServers.a.args: expected array, received string`);
    expect(error.errors![1]!.message).toContain('mcpServers.b.command');
    expect(error.errors![2]!.message).toContain(`plugin "not-installed" (plugins[0] in ${file}) was not found`);
  });

  it('refuses a plugin built for plugin API 3.0.0 and accepts 2.0.0 and 1.0.0 (1.x plugins load unchanged)', async () => {
    const root = await tempDir();
    const make = (apiVersion: string) => ({ plugin: { ...recorder(`v${apiVersion}`, 'filter'), apiVersion } });
    const error = await rejection(createKernel(root, { builtinPlugins: [make('3.0.0'), make('1.0.0')] }));
    expect(error.code).toBe('SWB_PLUGIN_API_VERSION');
    expect(error.message).toContain(
      'plugin "v3.0.0" (builtin) was built for plugin API 3.0.0, but this mcp-switchboard provides plugin API 2.0.0 (and 1.x up to 1.0.0)',
    );
    const kernel = await createKernel(root, { builtinPlugins: [make('1.0.0'), make('2.0.0')] });
    await kernel.start();
    expect(kernel.filters).toHaveLength(2);
    await kernel.stop();
  });
});

describe('stop', () => {
  it('stop() during start lets the current setup finish, sets up nothing more and disposes what was set up', async () => {
    const root = await tempDir();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inSetup = new Promise<void>((resolve) => (entered = resolve));
    const slow = definePlugin({
      id: 'slow',
      kind: 'reporter',
      setup: async () => {
        entered();
        await gate;
        record().push('setup:slow');
        return { onEvent() {}, dispose: () => void record().push('dispose:slow') };
      },
    });
    const kernel = await createKernel(root, {
      builtinPlugins: [{ plugin: recorder('source', 'config-source') }, { plugin: slow }, { plugin: recorder('late', 'transport') }],
    });
    const starting = kernel.start();
    await inSetup;
    const stopping = kernel.stop();
    release();
    const error = await rejection(starting);
    expect(error.message).toContain('stop() was called');
    expect(await stopping).toEqual({ errors: [] });
    expect(record()).toEqual(['setup:source', 'setup:slow', 'dispose:slow', 'dispose:source']);
  });

  it('is idempotent and runs stop hooks, reporter flush, then disposes newest-first', async () => {
    const root = await tempDir();
    const reporter = definePlugin({
      id: 'reporter',
      kind: 'reporter',
      deps: { lifecycle: coreServices.lifecycle },
      setup: ({ lifecycle }) => {
        lifecycle.onStart(() => void record().push('start-hook:reporter'));
        lifecycle.onStop(() => void record().push('stop-hook:reporter'));
        return {
          onEvent: async (event) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            record().push(`event:${event.type}`);
          },
          flush: async () => void record().push('flush:reporter'),
          dispose: () => void record().push('dispose:reporter'),
        };
      },
    });
    const transport = definePlugin({
      id: 'transport',
      kind: 'transport',
      deps: { lifecycle: coreServices.lifecycle },
      setup: ({ lifecycle }) => {
        lifecycle.onStop(() => void record().push('stop-hook:transport'));
        record().push('setup:transport');
        return { dispose: () => void record().push('dispose:transport') };
      },
    });
    const kernel = await createKernel(root, { builtinPlugins: [{ plugin: reporter }, { plugin: transport }] });
    await kernel.start();
    expect(record()).toEqual(['setup:transport', 'start-hook:reporter']);
    kernel.events.emit({ type: 'catalog.changed', tools: 1, prompts: 0, resources: 0, at: 0 });
    const first = kernel.stop();
    const second = kernel.stop();
    expect(second).toBe(first);
    expect(await first).toEqual({ errors: [] });
    expect(record().slice(2)).toEqual([
      'stop-hook:transport',
      'stop-hook:reporter',
      'event:catalog.changed', // queued events reach the reporter before its flush
      'flush:reporter',
      'dispose:transport',
      'dispose:reporter',
    ]);
    expect(kernel.state).toBe('stopped');
  });

  it("hands out each contribution with its plugin's id, and names the reporter and hook of a failing onEvent or flush", async () => {
    const root = await tempDir();
    const bug = new TypeError("Cannot read properties of undefined (reading 'tools')");
    const broken = definePlugin({
      id: 'broken-reporter',
      kind: 'reporter',
      setup: () => ({
        onEvent: () => {
          throw bug;
        },
        flush: () => Promise.reject(new Error('disk full')),
      }),
    });
    const connector = { types: ['stdio' as const], connect: () => Promise.reject(new Error('unused')) };
    const transport = definePlugin({
      id: 'door',
      kind: 'transport',
      setup: () => ({ connectors: [connector], upstream: { name: 'door', start: async () => {}, stop: async () => {} } }),
    });
    const logger = memoryLogger();
    const kernel = await createKernel(root, { logger, builtinPlugins: [{ plugin: broken }, { plugin: transport }] });
    await kernel.start();
    expect(kernel.contributed('reporter').map((c) => c.pluginId)).toEqual(['broken-reporter']);
    expect(kernel.connectors).toEqual([{ pluginId: 'door', contribution: connector }]);
    expect(kernel.frontDoors.map((c) => [c.pluginId, c.contribution.name])).toEqual([['door', 'door']]);

    kernel.events.emit({ type: 'catalog.changed', tools: 1, prompts: 0, resources: 0, at: 0 });
    await kernel.events.idle();
    const failed = logger.lines.find((line) => line.message === 'reporter "broken-reporter" failed on a catalog.changed event');
    expect(failed?.fields).toMatchObject({ plugin: 'broken-reporter', hook: 'onEvent', err: bug });

    const { errors } = await kernel.stop();
    expect(errors.map((e) => [e.code, e.message])).toEqual([['SWB_PLUGIN_DISPOSE', 'plugin "broken-reporter" (builtin): flush failed: disk full']]);
    expect(errors[0]!.cause).toEqual(new Error('disk full'));
  });

  it('works before start, after which start refuses', async () => {
    const root = await tempDir();
    const kernel = await createKernel(root, { builtinPlugins: [{ plugin: recorder('f', 'filter') }] });
    expect(await kernel.stop()).toEqual({ errors: [] });
    await expect(kernel.start()).rejects.toThrow(/stopped/);
    expect(record()).toEqual([]);
  });

  it('stops start-up when a setup never finishes, naming the plugin, after its setup timeout on the clock', async () => {
    const root = await tempDir();
    // A clock whose timers run only when the test fires them; cleared ones are forgotten.
    const timers = new Map<number, { ms: number; fire: () => void }>();
    let nextTimer = 0;
    const clock = {
      now: () => 0,
      setTimeout: (fire: () => void, ms: number) => (timers.set(++nextTimer, { ms, fire }), nextTimer),
      clearTimeout: (id: unknown) => void timers.delete(id as number),
    };
    const hangs = definePlugin({ id: 'hangs', kind: 'filter', setup: () => new Promise<never>(() => {}) });
    const kernel = await createKernel(root, {
      clock,
      setupTimeoutMs: 1234,
      builtinPlugins: [{ plugin: recorder('first', 'config-source') }, { plugin: hangs }],
    });
    const starting = kernel.start().catch((error: unknown) => error);
    await expect.poll(() => timers.size).toBe(1);
    const [pending] = [...timers.values()];
    expect(pending!.ms).toBe(1234);
    pending!.fire();
    const error = (await starting) as SwitchboardError;
    expect(error).toMatchObject({ code: 'SWB_PLUGIN_SETUP', message: 'plugin "hangs" (builtin) did not finish setting up within 1234 ms' });
    expect(error.fix).toMatch(/never settled/);
    // What was set up before it is disposed, as after any failed start.
    expect(record()).toEqual(['setup:first', 'dispose:first']);
  });

  it('cuts off a dispose that hangs, reports it, and still disposes the rest', async () => {
    const root = await tempDir();
    const logger = memoryLogger();
    const hung = definePlugin({ id: 'hung', kind: 'filter', setup: () => ({ dispose: () => new Promise<void>(() => {}) }) });
    const failing = definePlugin({
      id: 'failing',
      kind: 'transport',
      setup: () => ({
        dispose: () => {
          throw new Error('socket already closed');
        },
      }),
    });
    const kernel = await createKernel(root, {
      logger,
      disposeTimeoutMs: 200,
      builtinPlugins: [{ plugin: recorder('older', 'config-source') }, { plugin: hung }, { plugin: failing }],
    });
    await kernel.start();
    const { errors } = await kernel.stop();
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['SWB_PLUGIN_DISPOSE', 'plugin "failing" (builtin): dispose failed: socket already closed'],
      ['SWB_PLUGIN_DISPOSE', 'plugin "hung" (builtin): dispose did not finish within 200 ms; stopped waiting for it'],
    ]);
    expect(record()).toEqual(['setup:older', 'dispose:older']);
    const logged = logger.lines.filter((l) => l.level === 'error' && l.fields.code === 'SWB_PLUGIN_DISPOSE');
    expect(logged.map((l) => l.fields.plugin)).toEqual(['failing', 'hung']);
  });
});

describe('services and contributions', () => {
  it('gives plugins their deps: a named logger, config, clock, events and earlier contributions', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: { command: 'node' } } } });
    const logger = memoryLogger();
    let seen: Record<string, unknown> = {};
    const consumer = definePlugin({
      id: 'consumer',
      kind: 'transport',
      deps: {
        logger: coreServices.logger,
        config: coreServices.config,
        clock: coreServices.clock,
        events: coreServices.events,
        sources: contributionTokens['config-source'],
        filters: contributionTokens.filter,
      },
      setup: (deps) => {
        seen = deps;
        deps.logger.info('hello from a plugin');
        return {};
      },
    });
    const kernel = await createKernel(root, { logger, builtinPlugins: [{ plugin: recorder('source', 'config-source') }, { plugin: consumer }] });
    await kernel.start();
    expect((seen.config as { current: SwitchboardConfig }).current.mcpServers).toEqual({ a: { command: 'node' } });
    expect(typeof (seen.clock as { now(): number }).now()).toBe('number');
    expect(seen.events).toBe(kernel.events);
    expect(seen.sources).toEqual(kernel.sources);
    expect(seen.filters).toEqual([]);
    expect(logger.lines.find((l) => l.message === 'hello from a plugin')?.fields.plugin).toBe('consumer');
    await kernel.stop();
  });

  it('a config entry with the id of a builtin replaces it, with the config options', async () => {
    const root = await tempDir();
    await linkRepoPackage(root, 'zod');
    await linkRepoPackage(root, '@mcp-switchboard/plugin-api');
    await writePackage(
      root,
      'switchboard-plugin-rules',
      `import { definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
export default definePlugin({ id: 'rules', kind: 'filter', options: z.object({ level: z.number() }),
  setup: (_deps, options) => { globalThis.__swbRecord.push('setup:config-rules:' + options.level); return {}; } });`,
    );
    await writeFiles(root, { 'switchboard.config.json': { plugins: [['rules', { level: 3 }]] } });
    const builtin = definePlugin({
      id: 'rules',
      kind: 'filter',
      options: z.object({ level: z.number() }),
      setup: () => (record().push('setup:builtin-rules'), {}),
    });
    const kernel = await createKernel(root, { builtinPlugins: [{ plugin: builtin, options: { level: 1 } }] });
    expect(kernel.plugins).toHaveLength(1);
    expect(kernel.plugins[0]!.source).toMatch(/^package switchboard-plugin-rules \(/);
    await kernel.start();
    expect(record()).toEqual(['setup:config-rules:3']);
    await kernel.stop();
  });

  it('uses its own logger at the config level and file when none is given', async () => {
    const root = await tempDir();
    const logFile = join(root, 'logs', 'switchboard.log');
    await writeFiles(root, { 'switchboard.config.json': { logLevel: 'debug', logFile } });
    const kernel = await Kernel.create({
      cwd: root,
      env: {},
      stopDir: root,
      globalConfigDir: join(root, 'none'),
      builtinPlugins: [{ plugin: recorder('f', 'filter') }],
    });
    await kernel.start();
    await kernel.stop();
    const lines = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === 'plugin set up' && l.plugin === 'f')).toBe(true);
  });

  it('keeps kernels apart: each has its own container', async () => {
    const root = await tempDir();
    const one = await createKernel(root);
    const two = await createKernel(root);
    one.container.register('test.value', { useValue: 1 });
    expect(two.container.isRegistered('test.value', true)).toBe(false);
    expect(one.container.resolve(coreServices.events.id)).toBe(one.events);
    expect(one.events).not.toBe(two.events);
  });
});

describe('reloadConfig', () => {
  it('installs a valid new config and tells listeners; keeps the old one when the new one is invalid', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: { command: 'node' } } } });
    const kernel = await createKernel(root);
    const seen: string[][] = [];
    kernel.config.onChange((config) => seen.push(Object.keys(config.mcpServers)));

    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: { command: 'node' }, b: { url: 'http://127.0.0.1:1/mcp' } } } });
    await kernel.reloadConfig();
    expect(Object.keys(kernel.config.current.mcpServers)).toEqual(['a', 'b']);
    expect(seen).toEqual([['a', 'b']]);

    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { c: {} } } });
    const error = await rejection(kernel.reloadConfig());
    expect(error.code).toBe('SWB_CONFIG_INVALID');
    expect(Object.keys(kernel.config.current.mcpServers)).toEqual(['a', 'b']);
    expect(seen).toHaveLength(1);
  });

  it('sees an edited .mjs config (no stale module cache)', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.mjs': 'export default { filters: { deny: ["a"] } };' });
    const kernel = await createKernel(root);
    expect(kernel.config.current.filters).toEqual({ deny: ['a'] });
    await writeFiles(root, { 'switchboard.config.mjs': 'export default { filters: { deny: ["b"] } };' });
    expect((await kernel.reloadConfig()).filters).toEqual({ deny: ['b'] });
  });

  it('keeps the CLI overrides and app defaults exactly as at start (flag > env > file > default)', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { mcpServers: { a: { command: 'node' } }, startupBudgetMs: 5, logLevel: 'warn', http: { stateless: true } },
    });
    const options = {
      overrides: { startupBudgetMs: 7, http: { authToken: 'from-the-flag' } },
      defaults: { logLevel: 'info', port: 12006 },
    };
    const kernel = await createKernel(root, options);
    const atStart = kernel.config.current;
    expect([atStart.startupBudgetMs, atStart.logLevel, atStart.port, (atStart as { http?: unknown }).http]).toEqual([
      7,
      'warn',
      12006,
      { stateless: true, authToken: 'from-the-flag' },
    ]);

    // The file changes the overridden value and adds a server: the flag still wins, the server is applied.
    await writeFiles(root, {
      'switchboard.config.json': {
        mcpServers: { a: { command: 'node' }, b: { command: 'node' } },
        startupBudgetMs: 99,
        logLevel: 'warn',
        http: { stateless: true },
      },
    });
    const result = await kernel.reload();
    expect(result.applied).toEqual(['mcpServers']);
    expect(result.restartRequired).toEqual([]);
    const after = kernel.config.current;
    expect(Object.keys(after.mcpServers)).toEqual(['a', 'b']);
    expect([after.startupBudgetMs, after.logLevel, after.port, (after as { http?: unknown }).http]).toEqual([
      7,
      'warn',
      12006,
      { stateless: true, authToken: 'from-the-flag' },
    ]);
  });

  it('names keys that need a restart, keeps their running values and applies the rest', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: { command: 'node' } }, port: 1000, pageSize: 5 } });
    const kernel = await createKernel(root);
    const seen: SwitchboardConfig[] = [];
    kernel.config.onChange((config) => seen.push(config));

    await writeFiles(root, {
      'switchboard.config.json': { mcpServers: { b: { command: 'node' } }, port: 2000, pageSize: 6, transport: 'streamable-http', http: { stateless: true } },
    });
    const result = await kernel.reload();
    expect(result.restartRequired).toEqual(['http', 'pageSize', 'port', 'transport']);
    expect(result.applied).toEqual(['mcpServers']);
    const current = kernel.config.current as SwitchboardConfig & { http?: unknown };
    expect([Object.keys(current.mcpServers), current.port, current.pageSize, current.transport, current.http]).toEqual([['b'], 1000, 5, undefined, undefined]);
    expect(seen).toHaveLength(1);

    // Only restart-only keys changed: nothing is applied and listeners hear nothing.
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { b: { command: 'node' } }, port: 3000, pageSize: 5 } });
    const second = await kernel.reload();
    expect(second.applied).toEqual([]);
    expect(second.restartRequired).toEqual(['port']);
    expect(seen).toHaveLength(1);
  });

  it('an unchanged file tells no listener', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: { command: 'node' } } } });
    const kernel = await createKernel(root);
    let calls = 0;
    kernel.config.onChange(() => calls++);
    const result = await kernel.reload();
    expect([result.applied, result.restartRequired, calls]).toEqual([[], [], 0]);
  });

  it('learns the secrets of a reloaded config', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: { command: 'node' } } } });
    const secrets = new SecretRedactor();
    const kernel = await createKernel(root, { secrets });
    expect(kernel.secrets).toBe(secrets);
    expect(secrets.redact('k-reloaded-secret')).toBe('k-reloaded-secret');
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: { command: 'node', env: { K: 'k-reloaded-secret' } } } } });
    await kernel.reload();
    expect(secrets.redact('k-reloaded-secret')).toBe('****');
  });
});
