import { createTestProxy, type TestProxy } from '@mcp-switchboard/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import expose from '../src/index.js';

const everything = () => {
  const server = new McpServer({ name: 'everything', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes.', inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text', text: `Echo: ${message}` }],
  }));
  server.registerTool('add', { inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
};

let proxy: TestProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

it('exposes everything__echo as "say" with its own description and annotations; calls route to echo and events carry both names', async () => {
  proxy = await createTestProxy({
    servers: { everything },
    plugins: [
      [expose, { servers: { everything: { tools: { echo: { name: 'say', description: 'Says the message back.', annotations: { readOnlyHint: true } } } } } }],
    ],
  });
  const tools = await proxy.listTools();
  expect(tools.map((t) => t.name)).toEqual(['say', 'everything__add']);
  expect(tools[0]).toMatchObject({ description: 'Says the message back.', annotations: { readOnlyHint: true } });
  expect(await proxy.callTool('say', { message: 'hi' })).toMatchObject({ content: [{ type: 'text', text: 'Echo: hi' }] });
  await proxy.kernel.events.idle();
  expect(proxy.events.find((e) => e.type === 'call.finished')).toMatchObject({ item: 'echo', exposedName: 'say', success: true });
  await expect(proxy.callTool('everything__echo', { message: 'hi' })).rejects.toThrow();
});
