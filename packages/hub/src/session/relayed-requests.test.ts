import { SwitchboardError, type FilterContribution } from '@mcp-switchboard/plugin-api';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { startHub, waitFor, type TestHub } from '../../test/support/harness.js';
import { echoServer } from '../../test/support/fixtures.js';
import { RelayedRequests } from './relayed-requests.js';

let current: TestHub | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await current?.hub.stop();
  current = undefined;
});

const guard: FilterContribution = {
  beforeToolCall(call) {
    if (call.tool === 'guarded') throw new SwitchboardError('SWB_TOOL_DENIED', 'denied by policy', { fix: 'Ask an admin.' });
  },
};

/**
 * A hub with server `fx`: echo, a guarded tool, a slow tool that waits for cancellation, a tool with progress. No
 * reporter receives call events, so tool calls take the relay (Router.relayToolCall).
 */
async function hub(cancelled: string[] = [], started: string[] = []): Promise<TestHub> {
  current = await startHub({
    filters: [guard],
    fixtures: {
      fx: {
        create: echoServer('fx', (s) => {
          s.registerTool('guarded', {}, async () => ({ content: [{ type: 'text', text: 'should not run' }] }));
          s.registerTool('odd', {}, async () => ({ content: [], fieldOfTomorrow: { kept: true } }) as never);
          s.registerTool('slow', {}, async (extra) => {
            started.push('slow');
            await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
            cancelled.push(String(extra.signal.reason));
            return { content: [{ type: 'text', text: 'too late' }] };
          });
          s.registerTool('work', { inputSchema: { steps: z.number() } }, async ({ steps }, extra) => {
            for (let i = 1; i <= steps; i++) {
              await extra.sendNotification({
                method: 'notifications/progress',
                params: { progressToken: extra._meta!.progressToken!, progress: i, total: steps },
              });
            }
            return { content: [{ type: 'text', text: 'done' }] };
          });
        }),
      },
    },
  });
  await current.hub.settled();
  return current;
}

/** A client speaking raw JSON-RPC over a linked in-memory pair: every message it receives is kept. */
async function rawClient(test: TestHub) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  clientSide.onmessage = (message) => received.push(message);
  await clientSide.start();
  await test.hub.connect(serverSide, {});
  const answerTo = (id: number): Promise<JSONRPCMessage> =>
    waitFor(() => received.find((m) => 'id' in m && m.id === id && !('method' in m)), 5000, `the answer to ${id}`) as Promise<JSONRPCMessage>;
  const request = async (id: number, method: string, params?: Record<string, unknown>) => {
    await clientSide.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as JSONRPCMessage);
    return answerTo(id);
  };
  const notify = (method: string, params?: Record<string, unknown>) =>
    clientSide.send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) } as JSONRPCMessage);
  await request(0, 'initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
  return { received, request, notify, answerTo };
}

/** An answer without its id, to compare two answers to the same request. */
const body = (message: JSONRPCMessage) => {
  const { id: _id, ...rest } = message as JSONRPCMessage & { id: unknown };
  return rest;
};

describe('relayed requests (the per-call fast path)', () => {
  it('answers every relayed request exactly as the SDK dispatch does: results, refusals, unknown names, bad params', async () => {
    const test = await hub();
    const client = await rawClient(test);
    const take = vi.spyOn(RelayedRequests.prototype, 'take');
    const requests: Array<[string, Record<string, unknown>]> = [
      ['tools/call', { name: 'fx__echo', arguments: { text: 'hi' } }],
      ['tools/call', { name: 'fx__odd' }],
      ['tools/call', { name: 'fx__guarded' }],
      ['tools/call', { name: 'fx__ehco', arguments: { text: 'hi' } }],
      ['tools/call', { arguments: {} }],
      ['prompts/get', { name: 'fx__hello' }],
      ['prompts/get', { name: 'fx__nope' }],
      ['resources/read', { uri: 'fixture://nowhere' }],
      ['completion/complete', { ref: { type: 'ref/nothing' }, argument: { name: 'a', value: 'b' } }],
    ];
    // Before `notifications/initialized` the SDK dispatches them; after it, the fast path does.
    const viaSdk = [];
    for (const [index, [method, params]] of requests.entries()) viaSdk.push(await client.request(100 + index, method, params));
    expect(take).not.toHaveReturnedWith(true);
    await client.notify('notifications/initialized');
    const viaFastPath = [];
    for (const [index, [method, params]] of requests.entries()) viaFastPath.push(await client.request(200 + index, method, params));
    expect(take.mock.results.filter((r) => r.value === true)).toHaveLength(requests.length);

    expect(viaFastPath.map(body)).toEqual(viaSdk.map(body));
    // What the answers are, so the comparison above cannot pass on two equally wrong paths.
    type Answer = { result: Record<string, unknown>; error: { code: number; message: string; data: { suggestions?: string[] } } };
    const [echo, odd, guarded, misspelt, nameless] = viaFastPath as unknown as Answer[];
    expect(echo!.result.content).toEqual([{ type: 'text', text: 'fx: hi' }]);
    expect(odd!.result.fieldOfTomorrow).toEqual({ kept: true });
    expect(guarded!.result).toMatchObject({ isError: true, _meta: { 'io.mcp-switchboard/error': { code: 'SWB_TOOL_DENIED' } } });
    expect(misspelt!.error.message).toMatch(/fx__ehco/);
    expect(misspelt!.error.data.suggestions).toContain('fx__echo');
    expect(nameless!.error).toMatchObject({ code: -32602, message: 'tools/call: "name" must be a non-empty string' });
    expect(test.events.filter((e) => e.type === 'call.refused')).toHaveLength(2);
  });

  it('relays progress with the client token before the answer, and a cancelled call gets no answer', async () => {
    const cancelled: string[] = [];
    const started: string[] = [];
    const test = await hub(cancelled, started);
    const client = await rawClient(test);
    await client.notify('notifications/initialized');
    const take = vi.spyOn(RelayedRequests.prototype, 'take');

    const done = await client.request(1, 'tools/call', { name: 'fx__work', arguments: { steps: 3 }, _meta: { progressToken: 'tok' } });
    expect((done as { result: Record<string, unknown> }).result.content).toEqual([{ type: 'text', text: 'done' }]);
    const progress = client.received.filter((m) => 'method' in m && m.method === 'notifications/progress').map((m) => (m as { params: unknown }).params);
    expect(progress).toEqual([1, 2, 3].map((progress) => ({ progressToken: 'tok', progress, total: 3 })));
    expect(client.received.indexOf(done)).toBe(client.received.length - 1);

    void client.request(2, 'tools/call', { name: 'fx__slow' }).catch(() => undefined);
    await waitFor(() => started.length === 1, 5000, 'the slow call to reach the server');
    await client.notify('notifications/cancelled', { requestId: 2, reason: 'user stopped it' });
    await waitFor(() => cancelled.length === 1, 5000, 'the server to see the cancellation');
    // The server answers once cancelled ("too late"): that answer must not reach the client.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.request(3, 'ping');
    expect(take.mock.results.filter((r) => r.value === true)).toHaveLength(2);
    expect(client.received.some((m) => 'id' in m && m.id === 2)).toBe(false);
  });
});
