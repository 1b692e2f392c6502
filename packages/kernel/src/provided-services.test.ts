import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createToken, definePlugin, type SwitchboardError, type SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import { Kernel } from './kernel.js';
import { memoryLogger, removeTempDirs, tempDir } from '../test/helpers.js';

afterAll(removeTempDirs);

interface Cache {
  get(key: string): string | undefined;
}
const cacheToken = createToken<Cache>('test.cache');
const shapeToken = createToken<string>('test.shapes', { multiple: true });

async function kernelWith(plugins: SwitchboardPlugin[]): Promise<Kernel> {
  const root = await tempDir();
  return Kernel.create({
    cwd: root,
    env: {},
    stopDir: root,
    globalConfigDir: join(root, 'no-global'),
    logger: memoryLogger(),
    builtinPlugins: plugins.map((plugin) => ({ plugin })),
  });
}

async function rejection(promise: Promise<unknown>): Promise<SwitchboardError & { errors?: SwitchboardError[] }> {
  try {
    await promise;
  } catch (error) {
    return error as SwitchboardError & { errors?: SwitchboardError[] };
  }
  throw new Error('expected a rejection');
}

describe('services provided by plugins', () => {
  it('sets a provider up before the plugins of any kind that depend on it, and hands them its value', async () => {
    const order: string[] = [];
    const seen: Array<string | undefined> = [];
    // A config source (set up in the first phases) depends on a reporter's service: the reporter goes first.
    const source = definePlugin({
      id: 'source',
      kind: 'config-source',
      deps: { cache: cacheToken },
      setup({ cache }) {
        order.push('source');
        seen.push(cache.get('a'));
        return { load: async () => [] };
      },
    });
    const provider = definePlugin({
      id: 'provider',
      kind: 'reporter',
      provides: { cache: cacheToken },
      setup() {
        order.push('provider');
        return { onEvent: () => undefined, provides: { cache: { get: (key: string) => `cached ${key}` } } };
      },
    });
    const kernel = await kernelWith([source, provider]);
    expect(kernel.plugins.map((p) => p.plugin.id)).toEqual(['provider', 'source']);
    await kernel.start();
    expect(order).toEqual(['provider', 'source']);
    expect(seen).toEqual(['cached a']);
    await kernel.stop();
  });

  it('gives a multi-token dependency every provided value as an array, and [] when none is', async () => {
    const shape = (id: string, value: string) =>
      definePlugin({ id, kind: 'service', provides: { shape: shapeToken }, setup: () => ({ provides: { shape: value } }) });
    let received: string[] | undefined;
    const user = definePlugin({
      id: 'user',
      kind: 'middleware',
      deps: { shapes: shapeToken },
      setup({ shapes }) {
        received = shapes; // typed string[]
        return {};
      },
    });
    const kernel = await kernelWith([user, shape('a', 'circle'), shape('b', 'square')]);
    await kernel.start();
    expect(received).toEqual(['circle', 'square']);
    await kernel.stop();

    const alone = await kernelWith([user]);
    await alone.start();
    expect(received).toEqual([]);
    await alone.stop();
  });

  it('reports a missing provider, a cycle (naming both plugins) and a single-value token provided twice, before any setup', async () => {
    const other = createToken<number>('test.other');
    let setUp = 0;
    const needsCache = definePlugin({ id: 'needs-cache', kind: 'filter', deps: { cache: cacheToken }, setup: () => (setUp++, {}) });
    const a = definePlugin({ id: 'a', kind: 'service', provides: { other }, deps: { cache: cacheToken }, setup: () => (setUp++, { provides: { other: 1 } }) });
    const b = definePlugin({
      id: 'b',
      kind: 'service',
      provides: { cache: cacheToken },
      deps: { other },
      setup: () => (setUp++, { provides: { cache: { get: () => undefined } } }),
    });
    const c = definePlugin({
      id: 'c',
      kind: 'service',
      provides: { cache: cacheToken },
      setup: () => (setUp++, { provides: { cache: { get: () => undefined } } }),
    });

    const missing = await rejection((await kernelWith([needsCache])).start());
    expect(missing.errors?.[0]?.message ?? missing.message).toContain(
      'plugin "needs-cache" (builtin) depends on "test.cache" (deps.cache), which no loaded plugin or the host provides',
    );

    const error = await rejection((await kernelWith([a, b, c])).start());
    const messages = (error.errors ?? [error]).map((e) => e.message);
    expect(messages).toContainEqual(expect.stringContaining('plugin "c" (builtin) and plugin "b" (builtin) both provide "test.cache"'));
    expect(messages).toContainEqual(
      expect.stringMatching(
        /cycle: plugin "a" \(builtin\) depends on "test.cache" from plugin "b" \(builtin\); plugin "b" \(builtin\) depends on "test.other" from plugin "a"/,
      ),
    );
    expect(setUp).toBe(0);
  });

  it('refuses a setup that does not return a service it declares, naming the plugin and the token', async () => {
    const liar = definePlugin({ id: 'liar', kind: 'service', provides: { cache: cacheToken }, setup: () => ({}) as never });
    const error = await rejection((await kernelWith([liar])).start());
    expect(error.code).toBe('SWB_PLUGIN_SETUP');
    expect(error.message).toContain('plugin "liar" (builtin) failed to set up: it declares provides.cache ("test.cache") but setup() returned no value for it');
  });

  it("publishes a contribution's info() to the host", async () => {
    const port = definePlugin({ id: 'port', kind: 'service', setup: () => ({ info: () => ({ port: 41234 }) }) });
    const kernel = await kernelWith([port]);
    await kernel.start();
    expect(kernel.info('port')).toEqual({ port: 41234 });
    expect(kernel.info('nobody')).toBeUndefined();
    await kernel.stop();
  });
});
