import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixturePath, startFakePluggedinApp, type FakeAppServer, type FakePluggedinApp } from '@mcp-switchboard/testing';
import { cleanEnv, cliTransport, runCli, tempDir } from './helpers/cli.js';
import { descendants, isAlive } from './helpers/processes.js';
import { everythingEntry, memoryEntry } from './helpers/servers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function echoServer(uuid: string, name: string, marker: string, slug: string | null = name): FakeAppServer {
  return { uuid, name, slug, type: 'STDIO', command: process.execPath, args: [fixturePath('echo'), `marker=${marker}`], env: {} };
}

async function app(servers: FakeAppServer[]): Promise<FakePluggedinApp> {
  const fake = await startFakePluggedinApp({ servers });
  cleanups.push(() => fake.stop());
  return fake;
}

/** The proxy started the way plugged.in users start it: only the key and the App's URL, no config file. */
async function connect(fake: FakePluggedinApp, extra: string[] = [], key = fake.apiKey) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const transport = cliTransport(
    ['--pluggedin-api-key', key, '--pluggedin-api-base-url', fake.url, '--pluggedin-poll-interval', '300', ...extra],
    { HOME: t.dir, XDG_CONFIG_HOME: `${t.dir}/.config` },
    t.dir,
  );
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'pluggedin-e2e', version: '1.0.0' });
  let listChanged = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport, stderr: () => stderr, listChanged: () => listChanged };
}

const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);

/** The pid of the child process whose command line carries `marker=<marker>`. */
function pidOf(proxyPid: number, marker: string): number | undefined {
  return descendants(proxyPid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`marker=${marker}`);
    } catch {
      return false;
    }
  });
}

describe('plugged.in: a drop-in for the original proxy', () => {
  it("serves the App's servers as <slug>__<tool> (normalised name without slug), all within 64 characters", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const everything = everythingEntry();
    const memory = memoryEntry(`${t.dir}/memory.jsonl`);
    const fake = await app([
      { uuid: '11111111-1111-4111-8111-111111111111', name: 'Everything', slug: 'everything', type: 'STDIO', ...everything },
      { uuid: '22222222-2222-4222-8222-222222222222', name: 'My Memory Server', slug: null, ...memory },
    ]);
    const { client } = await connect(fake);
    const names = await toolNames(client);
    expect(names).toContain('everything__echo');
    expect(names).toContain('my-memory-server__read_graph');
    expect(names).toContain('pluggedin_discover_tools');
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(name).not.toContain('1111');
    }
    const echoed = await client.callTool({ name: 'everything__echo', arguments: { message: 'via the App' } });
    expect(JSON.stringify(echoed.content)).toContain('via the App');
  });

  it('hides and refuses a tool switched off in the App; switching it back brings it back with list_changed', async () => {
    const fake = await app([echoServer('aaaaaaaa-0000-4000-8000-000000000001', 'alpha', 'alpha')]);
    const { client, listChanged } = await connect(fake);
    expect(await toolNames(client)).toContain('alpha__add');

    const before = listChanged();
    fake.setInactiveTools([{ name: 'add', mcp_server_uuid: 'aaaaaaaa-0000-4000-8000-000000000001' }]);
    // Wait for the notification without listing: a client that lists in between is up to date and gets none.
    await expect.poll(() => listChanged(), { timeout: 15_000 }).toBeGreaterThan(before);
    expect(await toolNames(client)).not.toContain('alpha__add');
    const refused = await client.callTool({ name: 'alpha__add', arguments: { a: 1, b: 2 } }).then(
      (r) => r.isError === true,
      () => true,
    );
    expect(refused).toBe(true);

    const hidden = listChanged();
    fake.setInactiveTools([]);
    await expect.poll(() => listChanged(), { timeout: 15_000 }).toBeGreaterThan(hidden);
    expect(await toolNames(client)).toContain('alpha__add');
  });

  it('reports discovered tools and one activity per call, without slowing calls when the App is slow', async () => {
    const uuid = 'bbbbbbbb-0000-4000-8000-000000000001';
    const fake = await app([echoServer(uuid, 'beta', 'beta')]);
    const { client } = await connect(fake);
    await expect.poll(() => fake.requests('POST /api/tools').some((r) => JSON.stringify(r.body).includes(uuid)), { timeout: 15_000 }).toBe(true);
    const reported = fake.requests('POST /api/tools').find((r) => JSON.stringify(r.body).includes(uuid))!.body as {
      tools: Array<{ name: string; mcp_server_uuid: string; toolSchema: unknown }>;
    };
    expect(reported.tools.map((tool) => tool.name).sort()).toEqual(['add', 'echo']);
    expect(reported.tools.every((tool) => tool.mcp_server_uuid === uuid && tool.toolSchema)).toBe(true);

    for (let i = 0; i < 3; i++) await client.callTool({ name: 'beta__echo', arguments: { text: `call ${i}` } });
    await expect.poll(() => fake.state.activity.length, { timeout: 15_000 }).toBe(3);
    for (const activity of fake.state.activity) {
      expect(activity).toMatchObject({ action: 'tool_call', serverName: 'beta', serverUuid: uuid, itemName: 'echo', success: true });
      expect(typeof activity.executionTime).toBe('number');
      expect(activity.executionTime as number).toBeGreaterThanOrEqual(0);
      expect(activity.executionTime as number).toBeLessThan(10_000);
    }

    // With the activity endpoint answering after 5 s, each call returns while its report is still unanswered.
    fake.setDelay('POST /api/notifications/mcp-activity', 5_000);
    for (let i = 0; i < 3; i++) {
      await client.callTool({ name: 'beta__echo', arguments: { text: `slow app ${i}` } });
      const answered = fake.requests('POST /api/notifications/mcp-activity').filter((r) => r.respondedAt !== undefined);
      expect(answered.length).toBe(3);
    }
    fake.setDelay('POST /api/notifications/mcp-activity', 0);
  });

  it('applies a changed server list as a diff: only changed servers start, stop or restart', async () => {
    const keep = echoServer('cccccccc-0000-4000-8000-000000000001', 'keep', 'keep');
    const drop = echoServer('cccccccc-0000-4000-8000-000000000002', 'drop', 'drop');
    const change = echoServer('cccccccc-0000-4000-8000-000000000003', 'change', 'change-v1');
    const fake = await app([keep, drop, change]);
    const { client, transport, listChanged } = await connect(fake);
    expect(await toolNames(client)).toEqual(expect.arrayContaining(['keep__echo', 'drop__echo', 'change__echo']));
    const proxyPid = transport.pid!;
    const keepPid = pidOf(proxyPid, 'keep');
    const dropPid = pidOf(proxyPid, 'drop');
    expect(keepPid).toBeDefined();
    expect(dropPid).toBeDefined();

    const before = listChanged();
    const added = echoServer('cccccccc-0000-4000-8000-000000000004', 'added', 'added');
    fake.setServers([keep, { ...change, args: [fixturePath('echo'), 'marker=change-v2'] }, added]);
    // The notification first, without listing: a client that lists in between is up to date and gets none.
    await expect.poll(() => listChanged(), { timeout: 20_000 }).toBeGreaterThan(before);
    await expect.poll(async () => (await toolNames(client)).includes('added__echo'), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => pidOf(proxyPid, 'change-v2'), { timeout: 20_000 }).toBeDefined();
    await expect.poll(async () => (await toolNames(client)).includes('change__echo'), { timeout: 20_000 }).toBe(true);
    expect(await toolNames(client)).not.toContain('drop__echo');
    expect(pidOf(proxyPid, 'keep')).toBe(keepPid);
    await expect.poll(() => isAlive(dropPid!), { timeout: 10_000 }).toBe(false);
    expect(pidOf(proxyPid, 'change-v1')).toBeUndefined();
  });

  it('keeps serving while the App is down and picks up changes made meanwhile when it is back', async () => {
    const one = echoServer('dddddddd-0000-4000-8000-000000000001', 'one', 'one');
    const fake = await app([one]);
    const { client } = await connect(fake);
    expect(await toolNames(client)).toContain('one__echo');
    fake.setDown(true);
    await expect.poll(() => fake.requests('GET /api/mcp-servers').filter((r) => r.status === 503).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const during = await client.callTool({ name: 'one__echo', arguments: { text: 'App is down' } });
    expect(JSON.stringify(during.content)).toContain('App is down');
    fake.setServers([one, echoServer('dddddddd-0000-4000-8000-000000000002', 'two', 'two')]);
    fake.setDown(false);
    await expect.poll(async () => (await toolNames(client)).includes('two__echo'), { timeout: 30_000 }).toBe(true);
  });

  it('a wrong key is a clear error naming the App answer, in the log and in `list`', async () => {
    const fake = await app([echoServer('eeeeeeee-0000-4000-8000-000000000001', 'x', 'x')]);
    const { stderr } = await connect(fake, [], 'pg_in_wrong');
    await expect.poll(() => stderr(), { timeout: 15_000 }).toContain('Invalid API key');
    const t = tempDir();
    cleanups.push(t.cleanup);
    const listed = await runCli(['list', '--pluggedin-api-key', 'pg_in_wrong', '--pluggedin-api-base-url', fake.url], {
      cwd: t.dir,
      env: cleanEnv(t.dir),
    });
    expect(`${listed.stdout}\n${listed.stderr}`).toContain('Invalid API key');
  });

  it('answers tools/list 100 times without asking the App', async () => {
    const fake = await app([echoServer('ffffffff-0000-4000-8000-000000000001', 'quiet', 'quiet')]);
    const { client } = await connect(fake, ['--pluggedin-poll-interval', '600000']);
    expect(await toolNames(client)).toContain('quiet__echo');
    const before = fake.log.length;
    for (let i = 0; i < 100; i++) await client.listTools();
    // Polling is 10 minutes apart here, so any GET in this window would have been caused by a list.
    expect(fake.log.slice(before).filter((r) => r.method === 'GET')).toEqual([]);
  });
});
