import { createTestProxy, type TestProxy } from '@mcp-switchboard/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import toolSearch from '../src/index.js';

let running: McpServer | undefined;
const github = () => {
  const server = (running = new McpServer({ name: 'github', version: '1.0.0' }));
  server.registerTool(
    'create_issue',
    { description: 'Open a new issue in a repository.', inputSchema: { repo: z.string(), title: z.string() } },
    async ({ repo, title }) => ({
      content: [{ type: 'text', text: `opened "${title}" in ${repo}` }],
    }),
  );
  server.registerTool('list_pull_requests', { description: 'List open pull requests.', inputSchema: { repo: z.string() } }, async () => ({
    content: [{ type: 'text', text: '#1' }],
  }));
  server.registerTool('merge_pull_request', { description: 'Merge a pull request.', inputSchema: { repo: z.string(), number: z.number() } }, async () => ({
    content: [{ type: 'text', text: 'merged' }],
  }));
  return server;
};

let proxy: TestProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

it('hybrid: lists the pinned tool and the meta-tools; search_tools finds the rest and call_tool calls it', async () => {
  proxy = await createTestProxy({ servers: { github }, plugins: [[toolSearch, { mode: 'hybrid', pinned: ['github/list_pull_requests'], usageFile: false }]] });
  expect((await proxy.listTools()).map((t) => t.name)).toEqual(['github__list_pull_requests', 'search_tools', 'call_tool']);

  const found = await proxy.callTool('search_tools', { query: 'open an issue' });
  const { results } = found.structuredContent as { results: Array<{ name: string; inputSchema: { properties: object } }> };
  expect(results[0]).toMatchObject({ name: 'github__create_issue', inputSchema: { properties: { repo: {}, title: {} } } });

  const called = await proxy.callTool('call_tool', { name: 'github__create_issue', arguments: { repo: 'acme/app', title: 'Bug' } });
  expect(called).toMatchObject({ content: [{ type: 'text', text: 'opened "Bug" in acme/app' }] });
  await proxy.kernel.events.idle();
  expect(proxy.events.find((e) => e.type === 'call.finished' && e.item === 'create_issue')).toMatchObject({
    exposedName: 'github__create_issue',
    success: true,
  });
  expect(proxy.info('tool-search')).toMatchObject({ mode: 'hybrid' });
});

it('auto: lists everything within the threshold, and switches to hybrid (with list_changed) when a server adds tools over it', async () => {
  proxy = await createTestProxy({ servers: { github }, plugins: [[toolSearch, { threshold: 3, usageFile: false }]] });
  expect((await proxy.listTools()).map((t) => t.name)).toEqual(['github__create_issue', 'github__list_pull_requests', 'github__merge_pull_request']);
  // The server's new tool and tool-search's switch each make the hub send list_changed (the two may merge):
  // list again after each one until the switch shows.
  let notified: () => void = () => undefined;
  proxy.client.setNotificationHandler(ToolListChangedNotificationSchema, () => notified());
  const nextNotice = () => new Promise<void>((resolve) => (notified = resolve));
  let notice = nextNotice();
  running!.registerTool('close_issue', { description: 'Close an issue.' }, async () => ({ content: [] }));
  let names: string[] = [];
  while (names.length !== 2) {
    await notice;
    notice = nextNotice();
    names = (await proxy.listTools()).map((t) => t.name);
  }
  expect(names).toEqual(['search_tools', 'call_tool']);
  expect(proxy.info('tool-search')).toMatchObject({ mode: 'hybrid' });
});
