import { createToken, definePlugin, type SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestProxy, type TestProxy } from './test-proxy.js';

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

interface Counter {
  count(name: string): void;
  counts(): Record<string, number>;
}
const counterToken = createToken<Counter>('test.counter');

describe('createTestProxy', () => {
  it('runs kernel, hub, a middleware, a service and a reporter with a connected client, in process', async () => {
    const counterService = definePlugin({
      id: 'counter',
      kind: 'service',
      provides: { counter: counterToken },
      setup() {
        const counts: Record<string, number> = {};
        return {
          provides: { counter: { count: (name) => void (counts[name] = (counts[name] ?? 0) + 1), counts: () => ({ ...counts }) } },
          info: () => ({ port: 4242 }),
        };
      },
    });
    const rename = definePlugin({
      id: 'rename',
      kind: 'middleware',
      options: z.object({ names: z.record(z.string(), z.string()) }),
      setup: (_deps, { names }) => ({
        tool: (item) => (names[item.exposedName] ? { name: names[item.exposedName]!, description: 'Says it back.' } : undefined),
      }),
    });
    const reporter = definePlugin({
      id: 'by-exposed-name',
      kind: 'reporter',
      deps: { counter: counterToken },
      setup: ({ counter }) => ({
        onEvent(event: SwitchboardEvent) {
          if (event.type === 'call.finished' && event.exposedName) counter.count(`${event.exposedName} (${event.server.id}/${event.item})`);
        },
      }),
    });
    proxy = await createTestProxy({ servers: { everything }, plugins: [reporter, [rename, { names: { everything__echo: 'say' } }], counterService] });

    expect((await proxy.listTools()).map((t) => [t.name, t.description])).toEqual([
      ['say', 'Says it back.'],
      ['everything__add', undefined],
    ]);
    expect(await proxy.callTool('say', { message: 'hi' })).toMatchObject({ content: [{ type: 'text', text: 'Echo: hi' }] });
    expect(proxy.info('counter')).toEqual({ port: 4242 });
    await proxy.kernel.events.idle();
    expect(proxy.events.find((e) => e.type === 'call.finished')).toMatchObject({ exposedName: 'say', item: 'echo' });
    const counter = proxy.kernel.container.resolve<Counter>(counterToken.id);
    expect(counter.counts()).toEqual({ 'say (everything/echo)': 1 });
  });
});
