import { ListRootsRequestSchema, ListRootsResultSchema, RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { callTool, connectClient, startHub, waitFor, type TestHub } from '../test/support/harness.js';
import { fixture, textOf } from '../test/support/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

const withRoots = (name: string) => ({
  capabilities: { roots: { listChanged: true } },
  setup: (c: import('@modelcontextprotocol/sdk/client/index.js').Client) =>
    c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: `file:///${name}`, name }] })),
});

describe('roots/list from a shared server', () => {
  it('is answered by the session whose call is in flight, never by the session that connected last', async () => {
    let releaseBlock!: () => void;
    let blocking = new Promise<void>((r) => (releaseBlock = r));
    let blocked = false;
    const shared = fixture('shared', (s) => {
      s.registerTool('roots', { inputSchema: {} }, async (_args, extra) => {
        try {
          const { roots } = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
          return { content: [{ type: 'text', text: roots.map((r) => r.name).join(',') }] };
        } catch (error) {
          return { content: [{ type: 'text', text: `error: ${(error as Error).message}` }], isError: true };
        }
      });
      s.registerTool('block', {}, async () => {
        blocked = true;
        await blocking;
        return { content: [{ type: 'text', text: 'unblocked' }] };
      });
    });
    current = await startHub({ fixtures: { shared: { create: shared } } });
    await current.hub.settled();
    const { client: first } = await connectClient(current.hub, withRoots('first'));
    const { client: second } = await connectClient(current.hub, withRoots('second'));

    // The newest session has a call in flight when the first session's call asks: the request cannot be told
    // apart, so it is refused (never answered with the newest session's roots), and sessions take turns from now on.
    const pending = callTool(second, 'shared__block');
    await waitFor(() => blocked, 10_000, 'block running');
    const refused = await callTool(first, 'shared__roots');
    expect(textOf(refused)).not.toContain('second');
    expect(textOf(refused)).toMatch(/cannot tell which of 2 client sessions/);
    // The retry waits for its turn and reaches the right client.
    const retry = callTool(first, 'shared__roots');
    releaseBlock();
    expect(textOf(await pending)).toBe('unblocked');
    expect(textOf(await retry)).toBe('first');
    // Taking turns: each caller gets its own roots, whoever connected last.
    blocked = false;
    blocking = new Promise<void>((r) => (releaseBlock = r));
    const again = callTool(second, 'shared__block');
    await waitFor(() => blocked, 10_000, 'block running again');
    const turn = callTool(first, 'shared__roots');
    releaseBlock();
    await again;
    expect(textOf(await turn)).toBe('first');
    expect(textOf(await callTool(second, 'shared__roots'))).toBe('second');
  });

  it('with no call in flight goes to the newest session with roots; servers re-ask when that session closes', async () => {
    const seen: string[] = [];
    const watcher = fixture('watcher', (s) => {
      s.server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
        seen.push((await s.server.listRoots()).roots.map((r) => r.name).join(','));
      });
      s.registerTool('noop', {}, async () => ({ content: [] }));
    });
    current = await startHub({ fixtures: { watcher: { create: watcher } } });
    await current.hub.settled();
    await connectClient(current.hub, withRoots('first'));
    await waitFor(() => seen.length >= 1, 10_000, 'first roots');
    const { client: second } = await connectClient(current.hub, withRoots('second'));
    await waitFor(() => seen.length >= 2, 10_000, 'second roots');
    await second.close();
    await waitFor(() => seen.length >= 3, 10_000, 'roots after the newest session closed');
    expect(seen).toEqual(['first', 'second', 'first']);
  });
});
