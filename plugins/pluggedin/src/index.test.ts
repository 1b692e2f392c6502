import { apiVersion, type ConfigSource, type FilterContribution, type ReporterContribution, type TransportContribution } from '@mcp-switchboard/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import plugins, {
  pluggedinConnection,
  pluggedinOptionsSchema,
  pluggedinDiscovery,
  pluggedinReporter,
  pluggedinSource,
  pluggedinStatus,
  pluggedinToolFilter,
} from './index.js';
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
  it('exports an array of five plugins (also as named exports) sharing one options schema', () => {
    expect(plugins).toEqual([pluggedinConnection, pluggedinSource, pluggedinToolFilter, pluggedinReporter, pluggedinDiscovery]);
    expect(plugins.map((p) => [p.id, p.kind])).toEqual([
      ['pluggedin-connection', 'service'],
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

  it('shares the connection the service provides: one poll loop, one fetch per refresh, closed when the service is disposed last', async () => {
    app.setInactiveTools([{ name: 'hidden', mcp_server_uuid: UUIDS.memory }]);
    const clock = manualClock();
    const options = pluggedinOptionsSchema.parse(appOptions(app));
    const service = await pluggedinConnection.setup({ logger: recordingLogger(), clock }, options);
    const { connection } = service.provides;
    const deps = { connection };
    const source = (await pluggedinSource.setup(deps, options)) as ConfigSource;
    const filter = (await pluggedinToolFilter.setup(deps, options)) as FilterContribution;
    const reporter = (await pluggedinReporter.setup(deps, options)) as ReporterContribution;
    const transport = (await pluggedinDiscovery.setup(deps, options)) as TransportContribution;

    const servers = await source.load();
    expect(servers.map((s) => s.meta?.uuid ?? s.id)).toEqual(['pluggedin', UUIDS.memory]);
    expect(app.requests('GET /api/mcp-servers')).toHaveLength(1);
    expect(app.requests('GET /api/tools')).toHaveLength(1);
    expect(service.info!()).toMatchObject({ baseUrl: app.url, reachable: true, servers: 1 });
    expect(JSON.stringify(service.info!())).not.toContain(options.apiKey);

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
    // Disposed newest first, as the kernel does: the users give their references back, the service closes it.
    for (const contribution of [transport, reporter, filter, source]) await contribution.dispose?.();
    expect(connection.abortSignal.aborted).toBe(false);
    await service.dispose!();
    expect(connection.abortSignal.aborted).toBe(true);
    // Nothing went through the module-level map.
    expect(pluggedinStatus().filter((s) => s.baseUrl === app.url)).toHaveLength(0);
  });
});
