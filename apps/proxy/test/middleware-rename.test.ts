// End to end: a middleware plugin (plugin API 2.0) renames a tool through the real CLI; the client lists and calls
// it by its new name and reaches the server's own tool, and the old name is unknown. Its afterToolCall changes a
// result in place, which the client must see (the stdio front door otherwise writes a result as the server sent it).
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixtureServerEntry, writeTempConfig } from '@mcp-switchboard/testing';
import { afterEach, expect, it } from 'vitest';
import { cliTransport, repoRoot } from './helpers/cli.js';

const pluginApiUrl = pathToFileURL(`${repoRoot}packages/plugin-api/dist/index.js`).href;

const renamePlugin = `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({
  id: 'rename',
  kind: 'middleware',
  setup: () => ({
    tool: (item) => (item.exposedName === 'echo__echo' ? { name: 'say', description: 'Says it back.' } : undefined),
    // Changes the server's result in place (returns nothing): the client must get it as changed, not as sent.
    afterToolCall: (call, result) => {
      if (call.tool === 'add') result.content[0].text += ' (checked in place)';
    },
  }),
});
`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

it('lists and routes a renamed tool through the CLI', async () => {
  const config = await writeTempConfig(
    { mcpServers: { echo: fixtureServerEntry('echo') }, plugins: ['./rename.mjs'] },
    { files: { 'rename.mjs': renamePlugin } },
  );
  const transport = cliTransport(['--config', config.file], { HOME: config.dir, XDG_CONFIG_HOME: `${config.dir}/.config` }, config.dir);
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  cleanups.push(async () => {
    await client.close();
    await config.cleanup();
  });

  const { tools } = await client.listTools();
  const say = tools.find((t) => t.name === 'say');
  expect(say).toMatchObject({ description: 'Says it back.', _meta: { 'io.mcp-switchboard/originalName': 'echo' } });
  expect(tools.map((t) => t.name)).not.toContain('echo__echo');

  const direct = await client.callTool({ name: 'echo__add', arguments: { a: 1, b: 2 } });
  expect(direct.isError).toBeFalsy();
  expect(JSON.stringify(direct.content)).toContain('(checked in place)');
  const result = await client.callTool({ name: 'say', arguments: { text: 'hello' } });
  expect(result.isError).toBeFalsy();
  expect(JSON.stringify(result.content)).toContain('hello');
  await expect(client.callTool({ name: 'echo__echo', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool "echo__echo"/);
});
