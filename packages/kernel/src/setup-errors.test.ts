import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SwitchboardError, currentPluginId, definePlugin, type SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import { Kernel } from './kernel.js';
import { memoryLogger, removeTempDirs, tempDir } from '../test/helpers.js';

afterAll(removeTempDirs);

/** A kernel in an empty temporary folder with these plugins: built in (the host's own), or from the command line. */
async function kernelWith(plugins: { builtinPlugins: Array<{ plugin: SwitchboardPlugin }> } | { extraPlugins: SwitchboardPlugin[] }): Promise<Kernel> {
  const root = await tempDir();
  return Kernel.create({ cwd: root, env: {}, stopDir: root, globalConfigDir: join(root, 'no-global'), logger: memoryLogger(), ...plugins });
}

async function startWith(plugin: SwitchboardPlugin): Promise<SwitchboardError> {
  const kernel = await kernelWith({ builtinPlugins: [{ plugin }] });
  return kernel.start().then(
    () => {
      throw new Error('expected start to fail');
    },
    (error: SwitchboardError) => error,
  );
}

it("keeps the author's code and fix when setup throws a SwitchboardError", async () => {
  const error = await startWith(
    definePlugin({
      id: 'needs-token',
      kind: 'service',
      setup: () => {
        throw new SwitchboardError('SWB_CONFIG_ENV_MISSING', 'ACME_TOKEN is not set', { fix: 'Export ACME_TOKEN (see the plugin README).' });
      },
    }),
  );
  expect(error.code).toBe('SWB_PLUGIN_SETUP');
  expect(error.message).toBe('plugin "needs-token" (builtin) failed to set up: ACME_TOKEN is not set (SWB_CONFIG_ENV_MISSING)');
  expect(error.fix).toBe('Export ACME_TOKEN (see the plugin README).');
  expect(error.details).toMatchObject({ plugin: 'needs-token', cause: 'SWB_CONFIG_ENV_MISSING' });
});

it('gives a wrong contribution shape a fix that says it is a bug in the plugin', async () => {
  const error = await startWith(definePlugin({ id: 'shapeless', kind: 'reporter', setup: () => ({}) as never }));
  expect(error.message).toContain('a reporter needs an onEvent() function');
  expect(error.fix).toMatch(/A bug in the plugin: its setup\(\) must return what a reporter plugin contributes/);
});

it("blames what a plugin's setup started (a timer, a promise) on that plugin, though its stack names no plugin file", async () => {
  let kernel!: Kernel;
  const blamed: Array<string | undefined> = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const plugin = definePlugin({
    id: 'timer-owner',
    kind: 'service',
    setup: () => {
      setTimeout(() => {
        blamed.push(kernel.pluginBlamedFor(new Error('thrown in its timer')));
        void Promise.resolve().then(() => {
          blamed.push(kernel.pluginBlamedFor(new Error('rejected later')));
          done();
        });
      }, 0);
      return {};
    },
  });
  kernel = await kernelWith({ extraPlugins: [plugin] });
  await kernel.start();
  await finished;
  expect(blamed).toEqual(['timer-owner', 'timer-owner']);
  // The host's own code is blamed on no plugin.
  expect(kernel.pluginBlamedFor(new Error('host'))).toBeUndefined();
  await kernel.stop();
});

it("runs the host's built-in plugins as its own code: no plugin scope (no async hooks), blamed on no plugin", async () => {
  let seen: string | undefined = 'not run';
  const plugin = definePlugin({
    id: 'bundled-with-host',
    kind: 'service',
    setup: () => {
      seen = currentPluginId();
      return {};
    },
  });
  const kernel = await kernelWith({ builtinPlugins: [{ plugin }] });
  await kernel.start();
  expect(seen).toBeUndefined();
  await kernel.stop();
});
