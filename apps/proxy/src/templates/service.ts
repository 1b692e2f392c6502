import { tsString, type KindTemplate } from './context.js';

export const serviceTemplate: KindTemplate = {
  description: () => 'A Switchboard service plugin: provides a service other plugins depend on.',

  index: ({ id }) => `import { createToken, definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';

/** What this plugin provides: a small key/value cache with a time limit per entry. */
export interface Cache {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** The token other plugins list in \`deps\` to receive the cache. Export it from your package. */
export const cacheToken = createToken<Cache>(${tsString(`${id}.cache`)});

export const optionsSchema = z.object({ ttlMs: z.number().int().positive().default(60_000) }).strict();

export const plugin = definePlugin({
  id: ${tsString(id)},
  kind: 'service',
  options: optionsSchema,
  provides: { cache: cacheToken },
  setup(_deps, { ttlMs }) {
    const entries = new Map<string, { value: unknown; until: number }>();
    const cache: Cache = {
      get(key) {
        const entry = entries.get(key);
        return entry && entry.until > Date.now() ? entry.value : undefined;
      },
      set(key, value) {
        entries.set(key, { value, until: Date.now() + ttlMs });
      },
    };
    return { provides: { cache }, dispose: () => entries.clear(), info: () => ({ entries: entries.size }) };
  },
});

export default plugin;
`,

  test: ({ id }) => `import { definePlugin } from '@mcp-switchboard/plugin-api';
import { createTestKernel } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import plugin, { cacheToken, type Cache } from './index.js';

describe(${tsString(id)}, () => {
  it('provides its cache to a plugin that depends on it', async () => {
    let received: Cache | undefined;
    const user = definePlugin({
      id: 'cache-user',
      kind: 'reporter',
      deps: { cache: cacheToken },
      setup: ({ cache }) => {
        received = cache;
        return { onEvent: () => undefined };
      },
    });
    const kernel = await createTestKernel({ plugins: [user, plugin] });
    await kernel.start();
    try {
      received!.set('a', 1);
      expect(received!.get('a')).toBe(1);
      expect(kernel.info(plugin.id)).toEqual({ entries: 1 });
    } finally {
      await kernel.stop();
    }
  });

  it('refuses unknown options', async () => {
    await expect(createTestKernel({ plugins: [[plugin, { ttl: 5 }]] })).rejects.toMatchObject({ code: 'SWB_PLUGIN_OPTIONS' });
  });
});
`,

  configEntry: ({ id }) => JSON.stringify([id, { ttlMs: 60000 }]),

  readme: ({ id }) => `Provides a cache to other plugins: list \`cacheToken\` (exported by this package) in a plugin's \`deps\`.
Switchboard sets ${id} up before every plugin that depends on it.

| option | default | meaning |
|---|---|---|
| \`ttlMs\` | \`60000\` | how long an entry is kept |`,
};
