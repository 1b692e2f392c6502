import { pathToFileURL } from 'node:url';
import { definePlugin } from '@mcp-switchboard/plugin-api';
import { describe, expect, it } from 'vitest';
import { pluginInStack } from './blame.js';
import type { ResolvedPlugin } from './types.js';

const resolved = (id: string, file?: string): ResolvedPlugin => ({
  plugin: definePlugin({ id, kind: 'reporter', setup: () => ({ onEvent() {} }) }),
  options: undefined,
  source: file ?? 'builtin',
  file,
});

const withStack = (...frames: string[]) => Object.assign(new Error('boom'), { stack: ['TypeError: boom', ...frames.map((f) => `    at ${f}`)].join('\n') });

describe('pluginInStack', () => {
  const byPath = resolved('by-path', '/srv/cfg/plugins/ticker.mjs');
  const byPackage = resolved('by-package', '/srv/cfg/node_modules/@acme/switchboard-plugin-x/dist/index.mjs');
  const builtin = resolved('builtin');
  const plugins = [builtin, byPath, byPackage];

  it('names the plugin of the innermost frame in its module file or package folder', () => {
    expect(
      pluginInStack(
        withStack(`Timeout._onTimeout (${pathToFileURL('/srv/cfg/plugins/ticker.mjs').href}:5:13)`, 'listOnTimeout (node:internal/timers:581:17)'),
        plugins,
      )?.plugin.id,
    ).toBe('by-path');
    expect(
      pluginInStack(
        withStack(
          'helper (/srv/cfg/node_modules/@acme/switchboard-plugin-x/dist/lib/util.mjs:2:9)',
          `run (${pathToFileURL('/srv/cfg/plugins/ticker.mjs').href}:9:1)`,
        ),
        plugins,
      )?.plugin.id,
    ).toBe('by-package');
  });

  it('names nobody for a stack outside every plugin file, a sibling file, or no stack', () => {
    expect(pluginInStack(withStack('main (/srv/app/dist/cli.js:10:1)', 'node:internal/main:1:1'), plugins)).toBeUndefined();
    expect(
      pluginInStack(withStack('other (/srv/cfg/plugins/ticker.mjs.bak:1:1)', 'x (/srv/cfg/node_modules/@acme/other/index.js:1:1)'), plugins),
    ).toBeUndefined();
    expect(pluginInStack('a string', plugins)).toBeUndefined();
  });
});
