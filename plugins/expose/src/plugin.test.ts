import type { ListedItem, ServerDefinition, Tool } from '@mcp-switchboard/plugin-api';
import { describe, expect, it } from 'vitest';
import defaultExport, { plugin } from './index.js';

const everything: ServerDefinition = {
  id: 'everything',
  name: 'everything',
  source: 'test',
  enabled: true,
  transport: 'stdio',
  command: 'x',
  args: [],
  env: {},
};
const item = (originalName: string, profile?: string): ListedItem<Tool> => ({
  server: everything,
  originalName,
  exposedName: `everything__${originalName}`,
  definition: { name: `everything__${originalName}`, inputSchema: { type: 'object' } },
  profile,
});

describe('expose plugin', () => {
  it('is a middleware, the default export, and answers renames and overrides per profile', async () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'expose', kind: 'middleware' });
    const middleware = await plugin.setup(
      {},
      plugin.options!.parse({
        servers: { everything: { tools: { echo: { name: 'say', description: 'Says it back.' } }, prompts: { 'simple-prompt': { title: 'Simple' } } } },
        profiles: { work: { servers: { everything: { tools: { echo: { name: 'work_say' } } } } } },
      }),
    );
    expect(middleware.tool!(item('echo'))).toEqual({ name: 'say', description: 'Says it back.' });
    expect(middleware.tool!(item('echo', 'work'))).toEqual({ name: 'work_say', description: 'Says it back.' });
    expect(middleware.tool!(item('get-sum'))).toBeUndefined();
    expect(middleware.prompt!({ ...item('simple-prompt'), definition: { name: 'everything__simple-prompt' } })).toEqual({ title: 'Simple' });
  });
});
