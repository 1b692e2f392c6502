import { SwitchboardError, type FilterContribution, type MiddlewareContribution } from '@mcp-switchboard/plugin-api';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callTool, connectClient, startHub, type TestHub } from '../../test/support/harness.js';
import { echoServer, textOf } from '../../test/support/fixtures.js';
import { Router } from './router.js';

let current: TestHub | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await current?.hub.stop();
  current = undefined;
});

/** An asynchronous guard (a policy looked up elsewhere): lets `echo` through, refuses anything with "secret". */
const slowGuard: FilterContribution = {
  async beforeToolCall(call) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (JSON.stringify(call.arguments ?? {}).includes('secret')) throw new SwitchboardError('SWB_TOOL_DENIED', 'no secrets', { fix: 'Leave them out.' });
  },
};

const passThrough: MiddlewareContribution = { afterToolCall: (_call, result) => result };

async function hubWith(options: Partial<Parameters<typeof startHub>[0]> = {}): Promise<TestHub> {
  current = await startHub({ fixtures: { fx: { create: echoServer('fx') } }, ...options });
  await current.hub.settled();
  return current;
}

/** What `Router.relayToolCall` answered for each call: true when it took the call. */
function relayDecisions() {
  const spy = vi.spyOn(Router.prototype, 'relayToolCall');
  return () => spy.mock.results.map((r) => r.value as boolean);
}

describe('tools/call on the relay (Router.relayToolCall)', () => {
  it('takes a call when nothing on its way needs a promise, and answers it as the pipeline does', async () => {
    const { hub } = await hubWith();
    const decisions = relayDecisions();
    const { client } = await connectClient(hub);
    expect(textOf(await callTool(client, 'fx__echo', { text: 'one' }))).toBe('fx: one');
    await expect(callTool(client, 'fx__nope')).rejects.toThrow(/Unknown tool "fx__nope"/);
    // Taken: the known tool; left to the pipeline (which gives the error and its suggestions): the unknown name.
    expect(decisions()).toEqual([true, false]);
  });

  it('waits for an asynchronous filter on the way, and answers its refusal as the pipeline does', async () => {
    const { hub, events } = await hubWith({ filters: [slowGuard] });
    const decisions = relayDecisions();
    const { client } = await connectClient(hub);
    expect(textOf(await callTool(client, 'fx__echo', { text: 'fine' }))).toBe('fx: fine');
    const refused = await callTool(client, 'fx__echo', { text: 'a secret' });
    expect(refused).toMatchObject({ isError: true, _meta: { 'io.mcp-switchboard/error': { code: 'SWB_TOOL_DENIED', fix: 'Leave them out.' } } });
    expect(decisions()).toEqual([true, true]);
    expect(events.find((e) => e.type === 'call.refused')).toMatchObject({ plugin: expect.any(String), code: 'SWB_TOOL_DENIED', exposedName: 'fx__echo' });
  });

  it('leaves a call to the pipeline when middleware is configured or call events are received', async () => {
    const withMiddleware = await hubWith({ extra: { middleware: [{ pluginId: 'pass', contribution: passThrough }] } });
    const decisions = relayDecisions();
    const first = await connectClient(withMiddleware.hub);
    expect(textOf(await callTool(first.client, 'fx__echo', { text: 'a' }))).toBe('fx: a');
    await withMiddleware.hub.stop();

    const withEvents = await hubWith({ callEvents: true });
    const second = await connectClient(withEvents.hub);
    expect(textOf(await callTool(second.client, 'fx__echo', { text: 'b' }))).toBe('fx: b');
    expect(decisions()).toEqual([false, false]);
    expect(withEvents.events.filter((e) => e.type === 'call.started' || e.type === 'call.finished')).toHaveLength(2);
  });

  it('bridges a server that answers input_required: asks the client, retries with the answers, relays the result', async () => {
    const calls: Array<Record<string, unknown> | undefined> = [];
    const { hub } = await hubWith({
      fixtures: {
        raw: {
          raw: (method, params) => {
            if (method === 'initialize') return { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } };
            if (method === 'tools/list') return { tools: [{ name: 'ask', inputSchema: { type: 'object' } }] };
            if (method !== 'tools/call') throw new Error(`unexpected ${method}`);
            calls.push(params);
            const answered = params?.inputResponses as Record<string, { content?: { name?: string } }> | undefined;
            if (!answered) {
              return {
                resultType: 'input_required',
                inputRequests: { who: { method: 'elicitation/create', params: { message: 'Name?', requestedSchema: { type: 'object', properties: {} } } } },
                requestState: 'state-1',
              };
            }
            return { content: [{ type: 'text', text: `hello ${answered.who?.content?.name} (${String(params?.requestState)})` }] };
          },
        },
      },
    });
    const decisions = relayDecisions();
    const { client } = await connectClient(hub, {
      capabilities: { elicitation: {} },
      setup: (c) => c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } })),
    });
    expect(textOf(await callTool(client, 'raw__ask'))).toBe('hello Ada (state-1)');
    expect(decisions()).toEqual([true]);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ name: 'ask', requestState: 'state-1', inputResponses: { who: { action: 'accept' } } });
  });
});
