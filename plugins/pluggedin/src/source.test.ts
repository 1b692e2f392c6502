import type { ServerDefinition } from '@mcp-switchboard/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakeAppServer, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import { acquireConnection, MAX_BACKOFF_MS, pluggedinStatus } from './connection.js';
import { resolvePluggedinOptions } from './options.js';
import { createSource, type PluggedinSource } from './source.js';
import { appOptions, disposables, manualClock, recordingLogger, UUIDS, waitFor } from './test-support.js';

const ALPHA: FakeAppServer = { uuid: UUIDS.memory, name: 'Alpha', slug: 'alpha', type: 'STDIO', command: 'node', args: ['a.js'] };
const BETA: FakeAppServer = { uuid: UUIDS.remote, name: 'Beta', slug: 'beta', type: 'STREAMABLE_HTTP', url: 'http://127.0.0.1:1/mcp' };

let app: FakePluggedinApp;
const cleanup = disposables();
beforeEach(async () => {
  app = await startFakePluggedinApp();
});
afterEach(async () => {
  await cleanup.disposeAll();
  await app.stop();
});

function setup(extra: Record<string, unknown> = {}) {
  const clock = manualClock();
  const logger = recordingLogger();
  const connection = acquireConnection(resolvePluggedinOptions(appOptions(app, extra)), { logger, clock });
  const source = cleanup.add(createSource(connection));
  return { clock, logger, connection, source };
}

/** Runs the pending poll and waits until it finished (the next one is scheduled). */
async function poll(clock: ReturnType<typeof manualClock>): Promise<void> {
  expect(clock.fire()).toBe(true);
  await waitFor(() => clock.pending() > 0, 'the next poll to be scheduled');
}

/** The App's uuid of each server (its id is the readable prefix), or the id of the discovery server. */
function ids(list: ServerDefinition[]): string[] {
  return list.map((d) => (typeof d.meta?.uuid === 'string' ? d.meta.uuid : d.id));
}

function watch(source: PluggedinSource): { pushes: ServerDefinition[][]; stop: () => void } {
  const pushes: ServerDefinition[][] = [];
  const stop = source.watch((list) => pushes.push(list));
  return { pushes, stop };
}

describe('pluggedin config source: polling', () => {
  it('pushes the list only when it changed', async () => {
    app.setServers([ALPHA]);
    const { clock, source } = setup();
    expect(ids(await source.load())).toEqual(['pluggedin', UUIDS.memory]);
    const { pushes, stop } = watch(source);

    await poll(clock);
    await poll(clock);
    expect(app.requests('/api/mcp-servers')).toHaveLength(3);
    expect(pushes).toHaveLength(0);

    app.setServers([ALPHA, BETA]);
    await poll(clock);
    expect(pushes.map(ids)).toEqual([['pluggedin', UUIDS.memory, UUIDS.remote]]);

    // A change of one field is a change; the same list again is not.
    app.setServers([ALPHA, { ...BETA, url: 'http://127.0.0.1:2/mcp' }]);
    await poll(clock);
    await poll(clock);
    expect(pushes).toHaveLength(2);
    expect(pushes[1]!.find((d) => d.meta?.uuid === UUIDS.remote)).toMatchObject({ url: 'http://127.0.0.1:2/mcp' });

    stop();
    expect(clock.pending()).toBe(0);
  });

  it('keeps the last good list while the App is down, backs off, warns once, and picks up changes made meanwhile', async () => {
    app.setServers([ALPHA]);
    const { clock, logger, source, connection } = setup({ pollIntervalMs: 1_000 });
    await source.load();
    const { pushes } = watch(source);

    app.setDown(true);
    await poll(clock);
    await poll(clock);
    app.setDown(true, 'refuse');
    await poll(clock);
    expect(pushes).toHaveLength(0);
    expect(ids(connection.definitions())).toEqual(['pluggedin', UUIDS.memory]);
    expect(clock.delays).toEqual([1_000, 2_000, 4_000, 8_000]);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/answered 503.*keeping the last good list of 1 plugged\.in server/);
    expect(source.lastError).toMatch(/unreachable/);

    app.setServers([ALPHA, BETA]);
    app.setDown(false);
    await poll(clock);
    expect(pushes.map(ids)).toEqual([['pluggedin', UUIDS.memory, UUIDS.remote]]);
    expect(clock.delays.at(-1)).toBe(1_000);
    expect(source.lastError).toBeUndefined();
    expect(logger.text('info')).toMatch(/answers again: 2 server\(s\) \(the list changed\)/);
  });

  it('caps the backoff at 5 minutes', async () => {
    const { clock, source } = setup({ pollIntervalMs: 100_000 });
    app.setDown(true);
    await source.load();
    watch(source);
    for (let i = 0; i < 4; i += 1) await poll(clock);
    expect(clock.delays).toEqual([200_000, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
  });

  it('starts without App servers when the App is down, and they join when a later poll succeeds', async () => {
    app.setServers([ALPHA]);
    app.setDown(true, 'refuse');
    const { clock, logger, source } = setup();
    expect(ids(await source.load())).toEqual(['pluggedin']);
    expect(logger.text('warn')).toMatch(/is unreachable.*starting without plugged\.in servers \(local servers still serve\)/);
    const { pushes } = watch(source);
    app.setDown(false);
    await poll(clock);
    expect(pushes.map(ids)).toEqual([['pluggedin', UUIDS.memory]]);
  });

  it('keeps the last good list on a 5xx answer', async () => {
    app.setServers([ALPHA]);
    const { clock, logger, source } = setup();
    await source.load();
    const { pushes } = watch(source);
    app.setServers([]);
    app.failNext(500, 1, '/api/mcp-servers');
    await poll(clock);
    expect(pushes).toHaveLength(0);
    expect(logger.text('warn')).toContain('plugged.in App answered 500: Failed to fetch active MCP servers');
    await poll(clock);
    expect(pushes.map(ids)).toEqual([['pluggedin']]);
  });

  it('logs a wrong key as an error quoting the App, keeps it in lastError, and never logs the key', async () => {
    app.setServers([ALPHA]);
    const wrongKey = `pg_in_${'f'.repeat(64)}`;
    const { source, logger } = setup({ apiKey: wrongKey });
    expect(ids(await source.load())).toEqual(['pluggedin']);
    expect(source.lastError).toContain('plugged.in App answered 401: Invalid API key');
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/answered 401: Invalid API key.*check the API key/);
    expect(pluggedinStatus().find((s) => s.baseUrl === app.url)).toMatchObject({ reachable: false, lastError: source.lastError });
    expect(JSON.stringify(logger.lines)).not.toContain(wrongKey);
    expect(JSON.stringify(pluggedinStatus())).not.toContain(wrongKey);
  });

  it('delivers a change that happened between load() and watch()', async () => {
    app.setServers([ALPHA]);
    const { source, connection } = setup();
    await source.load();
    app.setServers([ALPHA, BETA]);
    await connection.refresh();
    const { pushes } = watch(source);
    await waitFor(() => pushes.length === 1, 'the pending change to be pushed');
    expect(ids(pushes[0]!)).toEqual(['pluggedin', UUIDS.memory, UUIDS.remote]);
  });
});
