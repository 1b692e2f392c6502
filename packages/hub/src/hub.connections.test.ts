/**
 * Defects of the connection layer found in review (issue 10), through the whole hub with in-memory servers:
 * standing requests survive a reload that replaces a server's connection, and a call nested in a sampling
 * handler is not stuck behind an isolated session lane.
 */
import type { ConfigSource, ServerDefinition } from '@mcp-switchboard/plugin-api';
import {
  CreateMessageRequestSchema,
  CreateMessageResultSchema,
  ResourceUpdatedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Hub } from './hub.js';
import { callTool, config, connectClient, fixtureConnector, recordingEvents, recordingLogger, server, startHub, waitFor } from '../test/support/harness.js';
import { fixture, textOf } from '../test/support/fixtures.js';

let current: Hub | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

/** A config source whose servers the test replaces, like a config file that is edited. */
function editableSource(initial: ServerDefinition[]): ConfigSource & { push(servers: ServerDefinition[]): void } {
  let listener: ((servers: ServerDefinition[]) => void) | undefined;
  return {
    load: async () => initial,
    watch(callback) {
      listener = callback;
      return () => {
        listener = undefined;
      };
    },
    push: (servers) => listener?.(servers),
  };
}

describe('a reload that replaces a server', () => {
  it('keeps the resource subscriptions and the log level: the new server gets them, and its updates reach the client', async () => {
    const seen: string[] = [];
    let instance = 0;
    const running: Array<{ notifyUpdated(uri: string): Promise<void> }> = [];
    const make = () => {
      const n = ++instance;
      return fixture(
        'r',
        (s) => {
          s.registerResource('doc', 'r://doc', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'doc' }] }));
          s.server.setRequestHandler(SetLevelRequestSchema, async (req) => {
            seen.push(`${n}:level:${req.params.level}`);
            return {};
          });
          s.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
            seen.push(`${n}:subscribe:${req.params.uri}`);
            return {};
          });
          s.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
            seen.push(`${n}:unsubscribe:${req.params.uri}`);
            return {};
          });
          running.push({ notifyUpdated: (uri) => s.server.sendResourceUpdated({ uri }) });
        },
        { capabilities: { resources: { subscribe: true }, logging: {} } },
      )();
    };
    const source = editableSource([server('r')]);
    const hub = new Hub({
      config: config(),
      sources: [source],
      connectors: [fixtureConnector({ r: { create: make } })],
      filters: [],
      events: recordingEvents(),
      logger: recordingLogger(),
    });
    current = hub;
    await hub.start();
    await hub.settled();
    const updates: string[] = [];
    const { client } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri)),
    });
    await client.setLoggingLevel('warning');
    await client.subscribeResource({ uri: 'r://doc' });
    expect(seen).toEqual(['1:level:warning', '1:subscribe:r://doc']);

    source.push([server('r', { args: ['--changed'] })]);
    await hub.settled();
    expect(seen.filter((x) => x.startsWith('2:')).sort()).toEqual(['2:level:warning', '2:subscribe:r://doc']);

    await running[1]!.notifyUpdated('r://doc');
    await waitFor(() => updates.length === 1, 5000, 'resources/updated from the new server');
    expect(updates).toEqual(['r://doc']);
    // The session's subscription belongs to the new connection: unsubscribing reaches the new server.
    await client.unsubscribeResource({ uri: 'r://doc' });
    expect(seen).toContain('2:unsubscribe:r://doc');
  });
});

describe('a call nested in a sampling handler', () => {
  const asker = fixture('a', (s) => {
    s.registerTool('ask', { inputSchema: {} }, async (_args, extra) => {
      const result = await extra.sendRequest(
        { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 } },
        CreateMessageResultSchema,
      );
      return { content: [{ type: 'text', text: `asked: ${(result.content as { text: string }).text}` }] };
    });
    s.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  });

  it('passes the lane of its own session even when another session is queued for that lane', async () => {
    const { hub, events } = await startHub({
      fixtures: { a: { create: asker } },
      servers: [server('a', { isolateSessions: 'strict' })],
      config: { timeouts: { connectMs: 10_000, requestMs: 4000, maxTotalMs: 8000 } },
      callEvents: true,
    });
    current = hub;
    await hub.settled();
    const { client: other } = await connectClient(hub, { sessionId: 'other' });
    let queued: Promise<Record<string, unknown>> | undefined;
    const { client } = await connectClient(hub, {
      sessionId: 'asked',
      capabilities: { sampling: {} },
      setup: (c) =>
        c.setRequestHandler(CreateMessageRequestSchema, async () => {
          // Another session calls the same server now: it must wait for the asked session's call to end.
          queued = callTool(other, 'a__echo', { text: 'other' });
          await waitFor(() => events.some((e) => e.type === 'call.started' && e.sessionId === 'other'), 5000, 'the other call');
          // The sampling handler calls the server again from the asked session: that call must not wait.
          const nested = await callTool(c, 'a__echo', { text: 'nested' });
          return { model: 'm', role: 'assistant', content: { type: 'text', text: textOf(nested) } };
        }),
    });
    const result = await callTool(client, 'a__ask');
    expect(result.isError).not.toBe(true);
    expect(textOf(result)).toBe('asked: nested');
    expect(textOf(await queued!)).toBe('other');
  });

  it('makes a call of another session wait for the asking call to end: its timeout bounds the wait', async () => {
    const { hub } = await startHub({
      fixtures: { a: { create: asker } },
      servers: [server('a', { isolateSessions: 'strict' })],
      config: { timeouts: { connectMs: 10_000, requestMs: 500, maxTotalMs: 8000 } },
    });
    current = hub;
    await hub.settled();
    const { client: other } = await connectClient(hub, { sessionId: 'other' });
    let fromOther: Promise<Record<string, unknown>> | undefined;
    const { client } = await connectClient(hub, {
      sessionId: 'asked',
      capabilities: { sampling: {} },
      setup: (c) =>
        c.setRequestHandler(CreateMessageRequestSchema, async () => {
          // The client answers through a second session: nothing tells that call apart from an unrelated one.
          fromOther = callTool(other, 'a__echo', { text: 'other' });
          return { model: 'm', role: 'assistant', content: { type: 'text', text: textOf(await fromOther) } };
        }),
    });
    const asked = (await callTool(client, 'a__ask').catch((e: unknown) => e)) as { code?: number; message?: string };
    expect(asked.code).toBe(-32001);
    expect(asked.message).toContain('did not answer tools/call "ask"');
    expect(textOf(await fromOther!)).toBe('other');
  });
});
