import { apiVersion, type ConfigSource, type FilterContribution, type ReporterContribution, type TransportContribution } from '@mcp-switchboard/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import plugins, { pluggedinDiscovery, pluggedinReporter, pluggedinSource, pluggedinStatus, pluggedinToolFilter } from './index.js';
import { appOptions, manualClock, recordingLogger, UUIDS } from './test-support.js';

let app: FakePluggedinApp;
beforeEach(async () => {
  app = await startFakePluggedinApp();
  app.setServers([{ uuid: UUIDS.memory, name: 'Alpha', slug: 'alpha', command: 'node' }]);
});
afterEach(async () => {
  await app.stop();
});

describe('@mcp-switchboard/plugin-pluggedin', () => {
  it('exports an array of four plugins (also as named exports) sharing one options schema', () => {
    expect(plugins).toEqual([pluggedinSource, pluggedinToolFilter, pluggedinReporter, pluggedinDiscovery]);
    expect(plugins.map((p) => [p.id, p.kind])).toEqual([
      ['pluggedin-source', 'config-source'],
      ['pluggedin-tools', 'filter'],
      ['pluggedin-reporter', 'reporter'],
      ['pluggedin-discovery', 'transport'],
    ]);
    for (const plugin of plugins) {
      expect(plugin.apiVersion).toBe(apiVersion);
      expect(plugin.$switchboardPlugin).toBe(true);
      // What the CLI passes: ['pluggedin', { apiKey, baseUrl, pollIntervalMs }].
      const parsed = plugin.options!.safeParse({ apiKey: 'pg_in_x', baseUrl: 'http://localhost:12005/', pollIntervalMs: 5000 });
      expect(parsed.success && parsed.data).toMatchObject({ baseUrl: 'http://localhost:12005', pollIntervalMs: 5000, retries: 2 });
    }
  });

  it('shares one client per (baseUrl, apiKey): one poll loop, one fetch per refresh, released by the last dispose', async () => {
    app.setInactiveTools([{ name: 'hidden', mcp_server_uuid: UUIDS.memory }]);
    const clock = manualClock();
    const deps = { logger: recordingLogger(), clock };
    // Raw options as a config gives them (each plugin parses its own); setup is typed with the parsed ones.
    const options = appOptions(app) as never;
    const source = (await pluggedinSource.setup(deps, options)) as ConfigSource;
    const filter = (await pluggedinToolFilter.setup(deps, options)) as FilterContribution;
    const reporter = (await pluggedinReporter.setup(deps, options)) as ReporterContribution;
    const transport = (await pluggedinDiscovery.setup(deps, options)) as TransportContribution;

    const servers = await source.load();
    expect(servers.map((s) => s.meta?.uuid ?? s.id)).toEqual(['pluggedin', UUIDS.memory]);
    expect(app.requests('GET /api/mcp-servers')).toHaveLength(1);
    expect(app.requests('GET /api/tools')).toHaveLength(1);
    expect(pluggedinStatus().filter((s) => s.baseUrl === app.url)).toHaveLength(1);

    // Building a catalog many times (every tools/list) costs no request.
    const before = app.log.length;
    const alpha = servers[1]!;
    for (let i = 0; i < 100; i += 1) {
      expect(filter.tool!(alpha, { name: 'hidden', inputSchema: { type: 'object' } })).toBe(false);
      expect(filter.tool!(alpha, { name: 'shown', inputSchema: { type: 'object' } })).toBe(true);
    }
    expect(app.log.length).toBe(before);

    const stopWatch = source.watch!(() => {});
    const stopFilter = filter.onChange!(() => {});
    expect(clock.pending()).toBe(1);

    stopWatch();
    stopFilter();
    expect(clock.pending()).toBe(0);
    await reporter.flush?.();
    for (const contribution of [transport, reporter, filter, source]) await contribution.dispose?.();
    expect(pluggedinStatus().filter((s) => s.baseUrl === app.url)).toHaveLength(0);
  });
});
