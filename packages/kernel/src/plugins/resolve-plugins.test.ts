import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SwitchboardAggregateError, SwitchboardError, definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import { resolvePlugins } from './resolve-plugins.js';
import { linkRepoPackage, pluginModule, removeTempDirs, tempDir, writeFiles, writePackage } from '../../test/helpers.js';

afterAll(removeTempDirs);

async function failure(promise: Promise<unknown>): Promise<SwitchboardError[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SwitchboardAggregateError) return error.errors as SwitchboardError[];
    if (error instanceof SwitchboardError) return [error];
    throw error;
  }
  throw new Error('expected a failure');
}

const plain = (id: string, kind: string, extra: Record<string, unknown> = {}) => ({ id, kind, apiVersion: '1.0.0', deps: {}, setup: () => ({}), ...extra });

describe('resolvePlugins: where plugins come from', () => {
  it('takes a plugin object as it is', async () => {
    const root = await tempDir();
    const object = plain('inline', 'filter');
    const [resolved] = await resolvePlugins([object], { configDir: root, cwd: root });
    expect(resolved).toMatchObject({ plugin: object, source: 'config object', options: undefined });
    expect(resolved!.plugin).toBe(object);
  });

  it('loads a path relative to the config folder, not cwd', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'conf/plugins/mine.mjs': pluginModule('mine', 'reporter'), 'elsewhere/.keep': '' });
    const [resolved] = await resolvePlugins(['./plugins/mine.mjs'], { configDir: join(root, 'conf'), cwd: join(root, 'elsewhere') });
    expect(resolved!.plugin.id).toBe('mine');
    expect(resolved!.source).toBe('./plugins/mine.mjs');
  });

  it('expands a short name to @mcp-switchboard/plugin-* before switchboard-plugin-*', async () => {
    const root = await tempDir();
    await writePackage(root, 'switchboard-plugin-foo', pluginModule('community-foo', 'filter'));
    const [community] = await resolvePlugins(['foo'], { configDir: root, cwd: root });
    expect(community!.plugin.id).toBe('community-foo');
    expect(community!.source).toBe(`package switchboard-plugin-foo (${join(root, 'node_modules', 'switchboard-plugin-foo', 'index.mjs')})`);

    await writePackage(root, '@mcp-switchboard/plugin-foo', pluginModule('first-party-foo', 'filter'));
    const [firstParty] = await resolvePlugins(['foo'], { configDir: root, cwd: root });
    expect(firstParty!.plugin.id).toBe('first-party-foo');
  });

  it("looks in the app's own dependencies first, then near the config, then cwd", async () => {
    const root = await tempDir();
    await writePackage(join(root, 'app'), 'switchboard-plugin-x', pluginModule('from-app', 'filter'));
    await writePackage(join(root, 'conf'), 'switchboard-plugin-x', pluginModule('from-config', 'filter'));
    await writePackage(join(root, 'cwd'), 'switchboard-plugin-only-cwd', pluginModule('from-cwd', 'filter'));
    const options = { configDir: join(root, 'conf'), cwd: join(root, 'cwd') };
    expect((await resolvePlugins(['x'], options))[0]!.plugin.id).toBe('from-config');
    expect((await resolvePlugins(['x'], { ...options, resolveFrom: [join(root, 'app')] }))[0]!.plugin.id).toBe('from-app');
    expect((await resolvePlugins(['only-cwd'], options))[0]!.plugin.id).toBe('from-cwd');
  });

  it('finds packages in node_modules of a parent folder (hoisted, as under npx)', async () => {
    const root = await tempDir();
    await writePackage(root, 'switchboard-plugin-hoisted', pluginModule('hoisted', 'filter'));
    await writeFiles(root, { 'node_modules/mcp-switchboard/dist/.keep': '' });
    const [resolved] = await resolvePlugins(['hoisted'], { configDir: root, cwd: root, resolveFrom: [join(root, 'node_modules', 'mcp-switchboard')] });
    expect(resolved!.plugin.id).toBe('hoisted');
  });

  it('accepts a module exporting several plugins, or a named `plugin` export', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'many.mjs': `export default [${['a', 'b'].map((id) => `{ id: '${id}', kind: 'filter', apiVersion: '1.0.0', setup: () => ({}) }`).join(', ')}];`,
      'named.mjs': `export const plugin = { id: 'named', kind: 'reporter', apiVersion: '1.0.0', setup: () => ({ onEvent() {} }) };`,
      'cjs.cjs': `module.exports = { id: 'common', kind: 'filter', apiVersion: '1.0.0', setup: () => ({}) };`,
    });
    const resolved = await resolvePlugins(['./many.mjs', './named.mjs', './cjs.cjs'], { configDir: root, cwd: root });
    expect(resolved.map((r) => r.plugin.id)).toEqual(['a', 'b', 'named', 'common']);
  });

  it('loads real plugins that import plugin-api and zod, validating [name, options]', async () => {
    const root = await tempDir();
    await linkRepoPackage(root, 'zod');
    await linkRepoPackage(root, '@mcp-switchboard/plugin-api');
    await writePackage(
      root,
      'switchboard-plugin-typed',
      `import { definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
export default definePlugin({
  id: 'typed', kind: 'filter',
  options: z.object({ port: z.number().int(), mode: z.enum(['a', 'b']).default('a'), nested: z.object({ deep: z.string() }).optional() }),
  setup: (_deps, options) => ({ options }),
});`,
    );
    const [ok] = await resolvePlugins([['typed', { port: 1 }]], { configDir: root, cwd: root });
    expect(ok!.options).toEqual({ port: 1, mode: 'a' });

    const errors = await failure(resolvePlugins([['typed', { port: 'x', nested: { deep: 3 } }]], { configDir: root, cwd: root }));
    expect(errors.map((e) => e.code)).toEqual(['SWB_PLUGIN_OPTIONS', 'SWB_PLUGIN_OPTIONS']);
    expect(errors[0]!.message).toMatch(
      /^plugin "typed" \(package switchboard-plugin-typed \(.*index\.mjs\)\): option "port": expected number, received string$/,
    );
    expect(errors[1]!.message).toContain('option "nested.deep": expected string, received number');

    const missing = await failure(resolvePlugins(['typed'], { configDir: root, cwd: root }));
    expect(missing[0]!.message).toContain('option "port": expected number, but it is missing');
  });
});

describe('resolvePlugins: what it refuses', () => {
  it('refuses a plugin built for another major plugin API, naming both versions', async () => {
    const root = await tempDir();
    const errors = await failure(resolvePlugins([plain('future', 'filter', { apiVersion: '3.0.0' })], { configDir: root, cwd: root }));
    expect(errors[0]!.code).toBe('SWB_PLUGIN_API_VERSION');
    expect(errors[0]!.message).toContain('plugin "future"');
    expect(errors[0]!.message).toContain('3.0.0');
    expect(errors[0]!.message).toContain('plugin API 2.0.0');
    expect(errors[0]!.fix).toMatch(/upgrade mcp-switchboard/i);
  });

  it('refuses options for a plugin without an options schema', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'p.mjs': pluginModule('no-options', 'filter') });
    const errors = await failure(resolvePlugins([['./p.mjs', { a: 1 }]], { configDir: root, cwd: root }));
    expect(errors[0]!.code).toBe('SWB_PLUGIN_OPTIONS');
    expect(errors[0]!.message).toContain('plugin "no-options" (./p.mjs) takes no options');
  });

  it('gives an import crash its own fix: install what the plugin imports, or fix the module', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'needs-a-package.mjs': "import 'switchboard-test-not-installed-anywhere';\nexport default {};\n",
      'throws.mjs': "throw new Error('broken at import');\n",
    });
    const errors = await failure(resolvePlugins(['./needs-a-package.mjs', './throws.mjs'], { configDir: root, cwd: root }));
    expect(errors.map((e) => e.code)).toEqual(['SWB_PLUGIN_INVALID', 'SWB_PLUGIN_INVALID']);
    expect(errors[0]!.message).toContain('could not be loaded');
    expect(errors[0]!.fix).toMatch(/^The plugin imports a package that is not installed: run `npm install`/);
    expect(errors[1]!.message).toContain('broken at import');
    expect(errors[1]!.fix).toBe(
      `The plugin's module threw while it was imported (the cause says where): fix it or report it to its author; ${join(root, 'throws.mjs')}.`,
    );
  });

  it('reports every problem across entries at once', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'not-a-plugin.mjs': 'export const answer = 42;' });
    const errors = await failure(
      resolvePlugins(
        [
          plain('odd', 'sorcery'),
          'missing-thing',
          './nowhere.mjs',
          './not-a-plugin.mjs',
          plain('twin', 'filter'),
          plain('twin', 'reporter'),
          definePlugin({ id: 'schema', kind: 'filter', options: z.object({ a: z.string() }), setup: () => ({}) }),
        ],
        { configDir: root, cwd: root, configFile: join(root, 'switchboard.config.mjs') },
      ),
    );
    expect(errors.map((e) => e.code)).toEqual([
      'SWB_PLUGIN_INVALID',
      'SWB_PLUGIN_NOT_FOUND',
      'SWB_PLUGIN_NOT_FOUND',
      'SWB_PLUGIN_INVALID',
      'SWB_PLUGIN_OPTIONS',
      'SWB_PLUGIN_DUPLICATE',
    ]);
    expect(errors[0]!.message).toContain('unknown kind "sorcery"');
    expect(errors[1]!.message).toContain('@mcp-switchboard/plugin-missing-thing, switchboard-plugin-missing-thing');
    expect(errors[1]!.message).toContain('plugins[1] in ' + join(root, 'switchboard.config.mjs'));
    expect(errors[2]!.message).toContain(join(root, 'nowhere.mjs'));
    expect(errors[3]!.message).toContain('does not export a plugin');
    expect(errors[5]!.message).toContain('plugin id "twin" is listed twice');
  });
});
