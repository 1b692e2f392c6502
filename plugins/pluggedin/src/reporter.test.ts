import type { CallKind, ServerCatalog, ServerDefinition, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import { PluggedinConnection } from './connection.js';
import { resolvePluggedinOptions } from './options.js';
import { createReporter, type PluggedinReporter } from './reporter.js';
import { mapServers } from './server-mapping.js';
import { appOptions, recordingLogger, UUIDS, waitFor } from './test-support.js';

const ACTIVITY = '/api/notifications/mcp-activity';
let app: FakePluggedinApp;
const reporters: PluggedinReporter[] = [];
beforeEach(async () => {
  app = await startFakePluggedinApp();
  app.setServers([{ uuid: UUIDS.memory, name: 'Alpha', slug: 'alpha', command: 'node' }]);
});
afterEach(async () => {
  for (const reporter of reporters.splice(0)) reporter.dispose!();
  await app.stop();
});

function setup(extra: Record<string, unknown> = {}) {
  const logger = recordingLogger();
  const connection = new PluggedinConnection(resolvePluggedinOptions(appOptions(app, extra)), { logger }).retain();
  const reporter = createReporter(connection);
  reporters.push(reporter);
  return { logger, reporter };
}

const alpha = mapServers([{ uuid: UUIDS.memory, name: 'Alpha', slug: 'alpha', command: 'node' }]).definitions[0]!;
const local: ServerDefinition = { id: 'files', name: 'files', source: 'file', enabled: true, transport: 'stdio', command: 'x', args: [], env: {} };

function catalog(...tools: Array<[string, string?]>): ServerCatalog {
  return {
    tools: tools.map(([name, description]) => ({ name, ...(description ? { description } : {}), inputSchema: { type: 'object', properties: {} } })),
    prompts: [],
    resources: [],
    resourceTemplates: [],
  };
}

const discovered = (server: ServerDefinition, cat: ServerCatalog): SwitchboardEvent => ({ type: 'server.discovered', server, catalog: cat, at: 0 });

function finished(n: number, kind: CallKind = 'tool', server = alpha, success = true): SwitchboardEvent {
  return {
    type: 'call.finished',
    callId: `c${n}`,
    sessionId: 's',
    server,
    kind,
    item: `item_${n}`,
    success,
    ...(success ? {} : { error: 'boom' }),
    durationMs: 12.4,
    at: 0,
  };
}

describe('pluggedin reporter', () => {
  it('reports the tools of a plugged.in server once per change', async () => {
    const { reporter } = setup();
    reporter.onEvent(discovered(alpha, catalog(['read', 'Read a thing'], ['write'])));
    reporter.onEvent(discovered(alpha, catalog(['write'], ['read', 'Read a thing']))); // same set, other order
    await reporter.flush();
    reporter.onEvent(discovered(alpha, catalog(['read', 'Read a thing'], ['write'])));
    reporter.onEvent(discovered(local, catalog(['local_tool'])));
    reporter.onEvent(discovered(alpha, catalog())); // nothing to report
    await reporter.flush();
    const posts = app.requests('POST /api/tools');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toEqual({
      tools: [
        { name: 'read', description: 'Read a thing', toolSchema: { type: 'object', properties: {} }, mcp_server_uuid: UUIDS.memory, status: 'ACTIVE' },
        { name: 'write', toolSchema: { type: 'object', properties: {} }, mcp_server_uuid: UUIDS.memory, status: 'ACTIVE' },
      ],
    });
    expect(posts[0]!.status).toBe(200);

    reporter.onEvent(discovered(alpha, catalog(['read', 'Read a thing, better'], ['write'])));
    await reporter.flush();
    expect(app.requests('POST /api/tools')).toHaveLength(2);
    expect(app.state.tools.find((t) => t.name === 'read')!.description).toBe('Read a thing, better');
  });

  it('reports again after a failed report', async () => {
    const { reporter } = setup();
    app.failNext(500, 1, 'POST /api/tools');
    reporter.onEvent(discovered(alpha, catalog(['read'])));
    await reporter.flush();
    reporter.onEvent(discovered(alpha, catalog(['read'])));
    await reporter.flush();
    expect(app.requests('POST /api/tools').map((r) => r.status)).toEqual([500, 200]);
  });

  it('posts one activity per finished call, for every server and call kind', async () => {
    const { reporter } = setup();
    reporter.onEvent(finished(1, 'tool'));
    reporter.onEvent(finished(2, 'prompt', local));
    reporter.onEvent(finished(3, 'resource', alpha, false));
    reporter.onEvent({ type: 'call.started', callId: 'c4', sessionId: 's', server: alpha, kind: 'tool', item: 'x', at: 0 });
    await reporter.flush();
    expect(app.requests(`POST ${ACTIVITY}`)).toHaveLength(3);
    expect(app.state.activity).toEqual(
      expect.arrayContaining([
        { action: 'tool_call', serverName: 'Alpha', serverUuid: UUIDS.memory, itemName: 'item_1', success: true, executionTime: 12 },
        { action: 'prompt_get', serverName: 'files', itemName: 'item_2', success: true, executionTime: 12 },
        { action: 'resource_read', serverName: 'Alpha', serverUuid: UUIDS.memory, itemName: 'item_3', success: false, errorMessage: 'boom', executionTime: 12 },
      ]),
    );
  });

  it('does nothing for activity or tools when switched off', async () => {
    const { reporter } = setup({ activity: false, reportTools: false });
    reporter.onEvent(finished(1));
    reporter.onEvent(discovered(alpha, catalog(['read'])));
    await reporter.flush();
    expect(app.log).toHaveLength(0);
  });

  it('returns from onEvent at once while the App is slow (no call waits for the network)', async () => {
    app.setDelay(ACTIVITY, 5_000);
    const { reporter } = setup();
    const returned: unknown[] = [];
    for (let i = 0; i < 10; i += 1) returned.push(reporter.onEvent(finished(i)));
    // Every onEvent returned (synchronously, no promise) before any activity POST was answered...
    expect(returned).toEqual(Array(10).fill(undefined));
    expect(app.requests(ACTIVITY).filter((r) => r.status !== undefined)).toHaveLength(0);
    expect(app.state.activity).toHaveLength(0);
    // ...and the one worker then sends them at most two at a time.
    await app.waitForRequest((r) => r.path === ACTIVITY);
    expect(reporter.stats()).toMatchObject({ running: 2, queued: 8 });
    expect(app.requests(ACTIVITY).length).toBeLessThanOrEqual(2);

    app.setDelay(ACTIVITY, 0);
    await reporter.flush();
    // Two in flight at once: arrival order may differ by one.
    expect(app.state.activity.map((a) => String(a.itemName)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `item_${i}`));
    expect(reporter.stats()).toMatchObject({ sent: 10, dropped: 0 });
  });

  it('drops the oldest reports when the queue is full, counts them and logs once with the count', async () => {
    app.setDelay(ACTIVITY, 60_000);
    const { reporter, logger } = setup({ queueSize: 3 });
    for (let i = 0; i < 10; i += 1) reporter.onEvent(finished(i));
    expect(reporter.stats()).toMatchObject({ dropped: 7, queued: 3 });
    app.setDelay(ACTIVITY, 0);
    await reporter.flush();
    expect(app.state.activity.map((a) => String(a.itemName)).sort()).toEqual(['item_7', 'item_8', 'item_9']);
    const drops = logger.lines.filter((l) => l.message.includes('queue was full'));
    expect(drops).toHaveLength(1);
    expect(drops[0]!.message).toContain('dropped the 7 oldest report(s)');
  });

  it('flush() gives up after its time limit and counts what was left', async () => {
    app.setDelay(ACTIVITY, 60_000);
    const { reporter, logger } = setup();
    for (let i = 0; i < 5; i += 1) reporter.onEvent(finished(i));
    await waitFor(() => app.requests(ACTIVITY).length === 2, 'two reports in flight');
    await reporter.flush(20);
    expect(reporter.stats()).toMatchObject({ abandoned: 3, queued: 0 });
    expect(logger.text('warn')).toMatch(/5 report\(s\) not sent within 20 ms/);
  });

  it('logs failures without throwing', async () => {
    app.failNext(500, 1, ACTIVITY);
    const { reporter, logger } = setup();
    reporter.onEvent(finished(1));
    await reporter.flush();
    expect(reporter.stats()).toMatchObject({ failed: 1 });
    expect(logger.text('warn')).toMatch(/activity report of tool_call item_1 on "Alpha" failed: plugged\.in App answered 500/);
  });
});
