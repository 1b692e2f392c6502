import type { DownstreamConnector, ServerDefinition } from '@mcp-switchboard/plugin-api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { PromptListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakeAppServer, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import { pluggedinConnection, pluggedinDiscovery, pluggedinOptionsSchema } from './index.js';
import { discoveryServerDefinition } from './server-mapping.js';
import { appOptions, manualClock, recordingLogger, UUIDS, waitFor } from './test-support.js';

const ALPHA: FakeAppServer = {
  uuid: UUIDS.memory,
  name: 'Alpha',
  slug: 'alpha',
  command: 'node',
  customInstructions: [{ role: 'user', content: { type: 'text', text: 'Be brief.' } }],
};

let app: FakePluggedinApp;
const stops: Array<() => Promise<void> | void> = [];
beforeEach(async () => {
  app = await startFakePluggedinApp();
  app.setServers([ALPHA]);
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  await app.stop();
});

/** The service the discovery plugin depends on, set up as the kernel would (and disposed after it). */
async function sharedConnection() {
  const service = await pluggedinConnection.setup({ logger: recordingLogger(), clock: manualClock() }, pluggedinOptionsSchema.parse(appOptions(app)));
  stops.push(() => service.dispose?.());
  return { connection: service.provides.connection };
}

async function connect(): Promise<{ client: Client; connector: DownstreamConnector }> {
  const contribution = await pluggedinDiscovery.setup(await sharedConnection(), pluggedinOptionsSchema.parse(appOptions(app)));
  stops.push(() => contribution.dispose?.());
  const connector = contribution.connectors![0]!;
  const link = await connector.connect(discoveryServerDefinition(), { logger: recordingLogger(), signal: new AbortController().signal });
  const client = new Client({ name: 'discovery-test', version: '1.0.0' });
  await client.connect(link.transport);
  stops.push(() => client.close());
  return { client, connector };
}

function textOf(result: unknown): string {
  return ((result as CallToolResult).content[0] as { text: string }).text;
}

describe('pluggedin discovery server', () => {
  it('is chosen for the discovery definition only', async () => {
    const contribution = await pluggedinDiscovery.setup(await sharedConnection(), pluggedinOptionsSchema.parse(appOptions(app)));
    stops.push(() => contribution.dispose?.());
    const [connector] = contribution.connectors!;
    expect(connector!.types).toEqual(['in-process']);
    expect(connector!.accepts!(discoveryServerDefinition())).toBe(true);
    const other: ServerDefinition = { id: 'x', name: 'x', source: 'file', enabled: true, transport: 'in-process' };
    expect(connector!.accepts!(other)).toBe(false);
  });

  it('answers pluggedin_discover_tools with the App message and re-polls the server list', async () => {
    const { client } = await connect();
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['pluggedin_discover_tools']);
    expect(Object.keys((tools.tools[0]!.inputSchema as { properties: object }).properties).sort()).toEqual(['force_refresh', 'server_uuid']);

    const before = app.requests('GET /api/mcp-servers').length;
    const result = await client.callTool({ name: 'pluggedin_discover_tools', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('Discovery process initiated for all active servers. Results will be available shortly.');
    expect(app.state.discoveries).toEqual([{ target: 'all', force_refresh: false }]);
    const discoverAt = app.log.findIndex((r) => r.path === '/api/discover/all');
    const repoll = app.log.findIndex((r, i) => i > discoverAt && r.path === '/api/mcp-servers');
    expect(repoll).toBeGreaterThan(discoverAt);
    expect(app.requests('GET /api/mcp-servers').length).toBeGreaterThan(before);

    const one = await client.callTool({ name: 'pluggedin_discover_tools', arguments: { server_uuid: UUIDS.memory, force_refresh: true } });
    expect(textOf(one)).toMatch(/Force refresh: Discovery process initiated for server Alpha/);
  });

  it('turns a 429 into an error result with the retry time, and an unknown uuid into an error result', async () => {
    app.setDiscoverRateLimit({ max: 0, windowMs: 60_000, retryAfterSeconds: 30 });
    const { client } = await connect();
    const limited = await client.callTool({ name: 'pluggedin_discover_tools', arguments: { force_refresh: true } });
    expect(limited.isError).toBe(true);
    expect(textOf(limited)).toMatch(/rate limiting discovery: try again in 30 s/);
    const unknown = await client.callTool({ name: 'pluggedin_discover_tools', arguments: { server_uuid: UUIDS.noUrl } });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/not found for this profile/);
  });

  it('serves <prefix>__instructions prompts and announces list changes', async () => {
    const { client } = await connect();
    await waitFor(async () => (await client.listPrompts()).prompts.length === 1, 'the first server list');
    expect((await client.listPrompts()).prompts).toEqual([{ name: 'alpha__instructions', description: 'Instructions for Alpha, from plugged.in' }]);
    const prompt = await client.getPrompt({ name: 'alpha__instructions' });
    expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Be brief.' } }]);
    await expect(client.getPrompt({ name: 'nope__instructions' })).rejects.toThrow(/unknown prompt/);

    let changed = 0;
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
      changed += 1;
    });
    app.setServers([
      ALPHA,
      { uuid: UUIDS.remote, name: 'Beta Server', command: 'x', customInstructions: [{ role: 'assistant', content: [{ type: 'text', text: 'Hi' }] }] },
    ]);
    // The discovery tool re-polls, which updates the prompts.
    await client.callTool({ name: 'pluggedin_discover_tools', arguments: {} });
    await waitFor(() => changed > 0, 'prompts/list_changed');
    expect((await client.listPrompts()).prompts.map((p) => p.name).sort()).toEqual(['alpha__instructions', 'beta-server__instructions']);
  });
});
