import type { FilterContribution, ServerDefinition, Tool } from '@mcp-switchboard/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import { PluggedinConnection } from './connection.js';
import { resolvePluggedinOptions } from './options.js';
import { createSource } from './source.js';
import { appOptions, disposables, manualClock, recordingLogger, UUIDS, waitFor } from './test-support.js';
import { createToolFilter } from './tool-filter.js';

let app: FakePluggedinApp;
const cleanup = disposables();
beforeEach(async () => {
  app = await startFakePluggedinApp();
  app.setServers([
    { uuid: UUIDS.memory, name: 'Alpha', slug: 'alpha', command: 'node' },
    { uuid: UUIDS.remote, name: 'Beta', command: 'node' },
  ]);
});
afterEach(async () => {
  await cleanup.disposeAll();
  await app.stop();
});

const tool = (name: string): Tool => ({ name, inputSchema: { type: 'object' } });

function setup(fetchImpl?: typeof fetch) {
  const clock = manualClock();
  const logger = recordingLogger();
  const connection = new PluggedinConnection(resolvePluggedinOptions(appOptions(app)), { logger, clock, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  connection.retain().retain();
  const filter = cleanup.add(createToolFilter(connection));
  const source = cleanup.add(createSource(connection));
  return { clock, logger, connection, filter, source };
}

async function serverById(source: { load(): Promise<ServerDefinition[]> }, id: string): Promise<ServerDefinition> {
  // App servers are known by their uuid (meta.uuid); their id is the readable prefix.
  return (await source.load()).find((d) => d.meta?.uuid === id || d.id === id)!;
}

function call(filter: FilterContribution, server: ServerDefinition, name: string) {
  return Promise.resolve().then(() => filter.beforeToolCall!({ server, tool: name, exposedName: `${server.prefix}__${name}`, arguments: {}, sessionId: 's1' }));
}

describe('pluggedin tool filter', () => {
  it('hides and refuses the tools switched off in the App, matched by server uuid and original name', async () => {
    app.setInactiveTools([{ name: 'delete_all', mcp_server_uuid: UUIDS.memory }]);
    const { filter, source } = setup();
    const alpha = await serverById(source, UUIDS.memory);
    const beta = await serverById(source, UUIDS.remote);
    expect(app.requests('GET /api/tools').map((r) => r.query)).toContainEqual({ status: 'INACTIVE' });

    const before = app.log.length;
    expect(filter.tool!(alpha, tool('delete_all'))).toBe(false);
    expect(filter.tool!(alpha, tool('read'))).toBe(true);
    expect(filter.tool!(beta, tool('delete_all'))).toBe(true);
    // A local server with the same uuid in its meta is not the App's.
    expect(filter.tool!({ ...alpha, source: 'file' }, tool('delete_all'))).toBe(true);
    await expect(call(filter, alpha, 'delete_all')).rejects.toMatchObject({
      code: 'SWB_TOOL_DENIED',
      message: expect.stringMatching(/switched off in the plugged\.in App/),
    });
    await expect(call(filter, alpha, 'read')).resolves.toBeUndefined();
    // Deciding costs no request: lists are answered from memory.
    expect(app.log.length).toBe(before);
  });

  it('fires onChange when the inactive set changes, and only then', async () => {
    const { filter, source, clock } = setup();
    const alpha = await serverById(source, UUIDS.memory);
    let changes = 0;
    const unsubscribe = filter.onChange!(() => {
      changes += 1;
    });
    expect(clock.pending()).toBe(1);

    clock.fire();
    await waitFor(() => clock.pending() === 1, 'the next poll');
    expect(changes).toBe(0);

    app.setInactiveTools([{ name: 'read', mcp_server_uuid: UUIDS.memory }]);
    clock.fire();
    await waitFor(() => changes === 1, 'onChange after switching a tool off');
    expect(filter.tool!(alpha, tool('read'))).toBe(false);

    await waitFor(() => clock.pending() === 1, 'the next poll');
    app.setInactiveTools([]);
    clock.fire();
    await waitFor(() => changes === 2, 'onChange after switching it back on');
    expect(filter.tool!(alpha, tool('read'))).toBe(true);
    unsubscribe();
  });

  it('strips a known prefix from names given as {slug}__{tool} or {uuid}__{tool}', async () => {
    app.setInactiveTools([
      { name: 'write', mcp_server_uuid: UUIDS.memory },
      { name: 'drop', mcp_server_uuid: UUIDS.remote },
    ]);
    // Ask the App for prefixed names (prefix_tools=true) to exercise the stripping.
    const prefixing: typeof fetch = (input, init) => fetch(String(input).includes('/api/tools?') ? `${String(input)}&prefix_tools=true` : input, init);
    const { filter, source, connection } = setup(prefixing);
    const alpha = await serverById(source, UUIDS.memory);
    const beta = await serverById(source, UUIDS.remote);
    expect(app.requests('GET /api/tools')[0]!.query).toEqual({ status: 'INACTIVE', prefix_tools: 'true' });
    expect(connection.inactiveTools()).toEqual(
      expect.arrayContaining([
        { serverUuid: UUIDS.memory, name: 'write' },
        { serverUuid: UUIDS.remote, name: 'drop' },
      ]),
    );
    expect(filter.tool!(alpha, tool('write'))).toBe(false);
    expect(filter.tool!(beta, tool('drop'))).toBe(false);
  });

  it('polls on its own when loaded without the config source', async () => {
    app.setInactiveTools([{ name: 'x', mcp_server_uuid: UUIDS.memory }]);
    const clock = manualClock();
    const connection = new PluggedinConnection(resolvePluggedinOptions(appOptions(app)), { logger: recordingLogger(), clock }).retain();
    const filter = cleanup.add(createToolFilter(connection));
    let changes = 0;
    filter.onChange!(() => {
      changes += 1;
    });
    await waitFor(() => changes === 1, 'the first refresh');
    expect(connection.inactiveTools()).toEqual([{ serverUuid: UUIDS.memory, name: 'x' }]);
  });

  it('keeps the last known set when the tools request fails, and warns once', async () => {
    app.setInactiveTools([{ name: 'read', mcp_server_uuid: UUIDS.memory }]);
    const { filter, source, clock, logger } = setup();
    const alpha = await serverById(source, UUIDS.memory);
    filter.onChange!(() => {});
    app.failNext(500, 2, 'GET /api/tools');
    for (let i = 0; i < 2; i += 1) {
      clock.fire();
      await waitFor(() => clock.pending() === 1, 'the next poll');
    }
    expect(filter.tool!(alpha, tool('read'))).toBe(false);
    expect(logger.lines.filter((l) => l.message.includes('could not fetch the tools switched off'))).toHaveLength(1);
  });
});
