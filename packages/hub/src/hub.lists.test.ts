import type { RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Loose, connectClient, startHub, waitFor, type TestHub } from '../test/support/harness.js';
import { fixture } from '../test/support/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

describe('list cursors when the list changes between pages', () => {
  it('give out every tool listed throughout exactly once, whatever came or went before the cursor', async () => {
    const handles = new Map<string, RegisteredTool>();
    const early = fixture('early', (s) => {
      for (const name of ['a1', 'a2'])
        handles.set(
          name,
          s.registerTool(name, {}, async () => ({ content: [] })),
        );
    });
    const later = fixture('later', (s) => {
      for (let i = 0; i < 5; i++)
        handles.set(
          `t${i}`,
          s.registerTool(`t${i}`, {}, async () => ({ content: [] })),
        );
    });
    current = await startHub({ fixtures: { early: { create: early }, later: { create: later } }, config: { pageSize: 2 } });
    await current.hub.settled();
    const { hub } = current;
    const { client } = await connectClient(hub);
    const page = async (cursor?: string) => {
      const result = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} } as never, Loose);
      return { names: (result.tools as Array<{ name: string }>).map((t) => t.name), cursor: result.nextCursor as string | undefined };
    };
    const rest = async (cursor: string | undefined) => {
      const names: string[] = [];
      while (cursor) {
        const next = await page(cursor);
        names.push(...next.names);
        cursor = next.cursor;
      }
      return names;
    };
    const catalogHas = (name: string, present: boolean) =>
      waitFor(() => hub.tools().some((t) => t.exposedName === name) === present, 10_000, `${name} ${present ? 'listed' : 'gone'}`);

    // Two pages given out, then an item before the cursor goes away: with offsets, later__t2 was skipped.
    const first = await page();
    const second = await page(first.cursor);
    expect([...first.names, ...second.names]).toEqual(['early__a1', 'early__a2', 'later__t0', 'later__t1']);
    handles.get('a1')!.remove();
    await catalogHas('early__a1', false);
    expect(await rest(second.cursor)).toEqual(['later__t2', 'later__t3', 'later__t4']);

    // One page given out, then an item appears before the cursor: with offsets, early__a2 came twice.
    const again = await page();
    expect(again.names).toEqual(['early__a2', 'later__t0']);
    current.connector.servers.get('early')!.registerTool('a0', {}, async () => ({ content: [] }));
    await catalogHas('early__a0', true);
    expect(await rest(again.cursor)).toEqual(['later__t1', 'later__t2', 'later__t3', 'later__t4']);

    // The last item given out itself is gone: resume at its server's first item (nothing missed).
    const third = await page();
    const fourth = await page(third.cursor);
    expect(fourth.names).toEqual(['later__t0', 'later__t1']);
    handles.get('t1')!.remove();
    await catalogHas('later__t1', false);
    const resumed = await rest(fourth.cursor);
    expect(resumed).toEqual(expect.arrayContaining(['later__t2', 'later__t3', 'later__t4']));
    expect(resumed).not.toContain('later__t1');
  });

  it('refuses a foreign cursor, and a cursor of another list, with -32602', async () => {
    const many = fixture('many', (s) => {
      for (let i = 0; i < 3; i++) {
        s.registerTool(`t${i}`, {}, async () => ({ content: [] }));
        s.registerPrompt(`p${i}`, {}, () => ({ messages: [] }));
      }
    });
    current = await startHub({ fixtures: { many: { create: many } }, config: { pageSize: 1 } });
    await current.hub.settled();
    const { client } = await connectClient(current.hub);
    const tools = await client.listTools();
    expect(tools.nextCursor).toBeTypeOf('string');
    await expect(client.listTools({ cursor: 'not-ours' })).rejects.toMatchObject({ code: -32602 });
    await expect(client.listPrompts({ cursor: tools.nextCursor })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('tools/list') });
  });
});
