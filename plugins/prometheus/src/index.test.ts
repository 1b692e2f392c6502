import { createServer } from 'node:net';
import type { ServerDefinition, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { createMemoryLogger, createTestKernel } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import defaultExport, { plugin, prometheusOptionsSchema, type PrometheusInfo } from './index.js';

const fs: ServerDefinition = { id: 'fs', name: 'fs', source: 'test', enabled: true, transport: 'stdio', command: 'fs-mcp', args: [], env: {} };
const at = 0;
const started = (item: string): SwitchboardEvent => ({ type: 'call.started', callId: item, sessionId: 's', server: fs, kind: 'tool', item, at });
const finished = (item: string, success: boolean, durationMs: number, exposedName?: string): SwitchboardEvent => ({
  type: 'call.finished',
  callId: item,
  sessionId: 's',
  server: fs,
  kind: 'tool',
  item,
  success,
  durationMs,
  at,
  ...(exposedName ? { exposedName } : {}),
});

async function setUp(options: object = {}) {
  const logger = createMemoryLogger();
  const reporter = await plugin.setup({ logger }, prometheusOptionsSchema.parse({ port: 0, processMetrics: false, ...options }));
  return { reporter, logger, info: reporter.info!() as PrometheusInfo };
}
const scrape = async (url: string) => (await fetch(url)).text();
/** The value of one series in the exposition text, or undefined when it is absent. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('prometheus reporter', () => {
  it('is the default export, a reporter', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'prometheus', kind: 'reporter' });
  });

  it('serves calls by server, tool and exposed name, with outcome and durations, on the port it picked', async () => {
    const { reporter, info, logger } = await setUp();
    try {
      expect(info.port).toBeGreaterThan(0);
      expect(info.url).toBe(`http://127.0.0.1:${info.port}/metrics`);
      expect(logger.find('prometheus metrics listening')?.fields).toMatchObject({ port: info.port });
      reporter.onEvent(started('read_file'));
      reporter.onEvent(finished('read_file', true, 20, 'files__read'));
      reporter.onEvent(started('read_file'));
      reporter.onEvent(finished('read_file', false, 300));
      const text = await scrape(info.url);
      expect(sample(text, 'switchboard_calls_total{server="fs",kind="tool",item="read_file",exposed="files__read",outcome="success"}')).toBe(1);
      // An event without the exposed name (from an older host) counts under the original.
      expect(sample(text, 'switchboard_calls_total{server="fs",kind="tool",item="read_file",exposed="read_file",outcome="error"}')).toBe(1);
      expect(sample(text, 'switchboard_call_duration_seconds_bucket{le="0.025",server="fs",kind="tool",item="read_file",exposed="files__read"}')).toBe(1);
      expect(sample(text, 'switchboard_call_duration_seconds_sum{server="fs",kind="tool",item="read_file",exposed="read_file"}')).toBe(0.3);
      expect(sample(text, 'switchboard_calls_in_flight{server="fs"}')).toBe(0);
    } finally {
      await reporter.dispose!();
    }
  });

  it('counts refusals, unknown names and dropped events, and keeps one state series per server state', async () => {
    const { reporter, info } = await setUp({ prefix: 'sb_' });
    try {
      const later: SwitchboardEvent[] = [
        {
          type: 'call.refused',
          callId: 'c',
          sessionId: 's',
          server: fs,
          kind: 'tool',
          item: 'read_file',
          exposedName: 'fs__read_file',
          plugin: 'pinning',
          code: 'PINNING_DEFINITION_CHANGED',
          message: 'changed',
          at,
        },
        { type: 'call.unknown', sessionId: 's', kind: 'tool', name: 'nope', at },
        { type: 'events.dropped', dropped: 7, total: 7, at },
      ];
      for (const event of later) reporter.onEvent(event);
      reporter.onEvent({ type: 'server.state', server: fs, state: 'restarting', at });
      reporter.onEvent({ type: 'server.state', server: fs, state: 'ready', at });
      reporter.onEvent({ type: 'catalog.changed', tools: 12, prompts: 3, resources: 1, at });
      const text = await scrape(info.url);
      expect(
        sample(
          text,
          'sb_calls_refused_total{server="fs",kind="tool",item="read_file",exposed="fs__read_file",plugin="pinning",code="PINNING_DEFINITION_CHANGED"}',
        ),
      ).toBe(1);
      expect(sample(text, 'sb_calls_unknown_total{kind="tool"}')).toBe(1);
      expect(sample(text, 'sb_events_dropped_total')).toBe(7);
      expect(sample(text, 'sb_server_state{server="fs",state="ready"}')).toBe(1);
      expect(sample(text, 'sb_server_state{server="fs",state="restarting"}')).toBe(0);
      expect(sample(text, 'sb_server_restarts_total{server="fs"}')).toBe(1);
      expect(sample(text, 'sb_catalog_items{kind="tools"}')).toBe(12);
    } finally {
      await reporter.dispose!();
    }
  });

  it('answers 404 elsewhere and 405 for other methods', async () => {
    const { reporter, info } = await setUp();
    try {
      expect((await fetch(info.url.replace('/metrics', '/'))).status).toBe(404);
      expect((await fetch(info.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await reporter.dispose!();
    }
  });

  it('fails setup with a code and a fix when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(setUp({ port })).rejects.toMatchObject({ code: 'SWB_PLUGIN_SETUP', fix: expect.stringContaining('0 picks one') });
    } finally {
      blocker.close();
    }
  });

  it('in a kernel: the host reads the picked port through info(), events reach the metrics through the bus, and stop closes the port', async () => {
    const kernel = await createTestKernel({ plugins: [[plugin, { port: 0 }]] });
    await kernel.start();
    // The port it picked, as the host reads it.
    const { url } = kernel.info('prometheus') as PrometheusInfo;
    kernel.events.emit(started('write_file'));
    kernel.events.emit(finished('write_file', true, 5));
    await kernel.events.idle?.();
    const text = await scrape(url);
    expect(sample(text, 'switchboard_calls_total{server="fs",kind="tool",item="write_file",exposed="write_file",outcome="success"}')).toBe(1);
    expect(text).toContain('switchboard_process_cpu_seconds_total');
    await kernel.stop();
    await expect(fetch(url)).rejects.toThrow();
  });
});
