// Resilience end to end: the real CLI (`node apps/proxy/dist/cli.js --config FILE`) over stdio, real downstream
// processes (the fault fixture of @mcp-switchboard/testing), real signals, /proc for what is left running.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cliTransport, tempDir } from './helpers/cli.js';
import { descendants, isAlive, startRawProxy, stillAlive, type RawProxy } from './helpers/processes.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function temp(files: Record<string, string | object> = {}) {
  const t = tempDir(files);
  cleanups.push(t.cleanup);
  return t;
}

/** SIGKILLs whatever of `pids` is still alive: a failed test must not leave processes behind either. */
function reapLater(pids: () => readonly number[]): void {
  cleanups.push(() => {
    for (const pid of pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

interface ConnectedProxy {
  client: Client;
  pid: number;
  stderr(): string;
  /** True once the client's connection to the proxy closed. */
  closed(): boolean;
  listChanged(): number;
}

/** An SDK client on the real CLI; closed (and its process tree checked gone) after the test. */
async function connectProxy(config: string): Promise<ConnectedProxy> {
  const transport = cliTransport(['--config', config, '--log-level', 'info']);
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'resilience-e2e', version: '1.0.0' });
  let listChanged = 0;
  let closed = false;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
  client.onclose = () => (closed = true);
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`the proxy did not answer initialize (${String(error)}); its stderr:\n${stderr}`);
  }
  const pid = transport.pid!;
  let tree: number[] = [];
  reapLater(() => tree);
  cleanups.push(async () => {
    tree = descendants(pid);
    await client.close();
  });
  return { client, pid, stderr: () => stderr, closed: () => closed, listChanged: () => listChanged };
}

async function serverPid(client: Client, server: string): Promise<number> {
  const result = await client.callTool({ name: `${server}__pid`, arguments: {} });
  const pid = (result.structuredContent as { pid?: unknown } | undefined)?.pid;
  if (typeof pid !== 'number') throw new Error(`${server}__pid answered ${JSON.stringify(result)}`);
  return pid;
}

const toolNames = async (client: Client) => (await client.listTools()).tools.map((tool) => tool.name).sort();

/** Settles a promise into what the client saw: a result or an error message. */
const outcome = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
  );

describe('a downstream server killed with SIGKILL', () => {
  it('is restarted: only the calls in flight fail (naming the server), then its tools are back and calls succeed', async () => {
    const t = temp({
      'c.json': { mcpServers: { fault: fixtureServerEntry('fault', { FAULT_HANG: '1' }), steady: fixtureServerEntry('echo') } },
    });
    const proxy = await connectProxy(t.path('c.json'));
    const faultTools = ['fault__crash', 'fault__echo', 'fault__hang', 'fault__pid', 'fault__slow'];
    expect(await toolNames(proxy.client)).toEqual([...faultTools, 'steady__add', 'steady__echo']);

    const before = await serverPid(proxy.client, 'fault');
    expect(descendants(proxy.pid)).toContain(before);

    // Two calls in flight at the crash: they are the only ones allowed to fail.
    const hang = outcome(proxy.client.callTool({ name: 'fault__hang', arguments: {} }, undefined, { timeout: 120_000 }));
    const slow = outcome(proxy.client.callTool({ name: 'fault__slow', arguments: { ms: 60_000 } }, undefined, { timeout: 120_000 }));
    await expect.poll(() => proxy.stderr(), { timeout: 10_000 }).toMatch(/hang started/);
    await expect.poll(() => proxy.stderr(), { timeout: 10_000 }).toMatch(/slow started/);

    process.kill(before, 'SIGKILL');

    for (const inFlight of [await hang, await slow]) {
      expect(inFlight.ok, 'a call in flight at the crash cannot succeed').toBe(false);
      if (!inFlight.ok) expect(inFlight.error).toMatch(/"fault"|\bfault\b/);
    }
    expect(isAlive(before)).toBe(false);

    // The next call waits for the restart (supervision's callWaitMs) and succeeds, on a new process.
    const after = await serverPid(proxy.client, 'fault');
    expect(after).not.toBe(before);
    expect(descendants(proxy.pid)).toContain(after);
    const echoed = await proxy.client.callTool({ name: 'fault__echo', arguments: { text: 'back again' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'back again' }]);
    await expect.poll(() => toolNames(proxy.client), { timeout: 10_000 }).toEqual([...faultTools, 'steady__add', 'steady__echo']);

    // The other server never noticed.
    const steady = await proxy.client.callTool({ name: 'steady__echo', arguments: { text: 'unaffected' } });
    expect(steady.content).toEqual([{ type: 'text', text: 'unaffected' }]);
    expect(proxy.closed()).toBe(false);
  });
});

describe('stopping the proxy leaves no process behind', () => {
  const boomPlugin = `// A third-party reporter with a bug: it throws asynchronously, outside anything the proxy could catch.
export default {
  id: 'boom-reporter',
  kind: 'reporter',
  apiVersion: '1.0.0',
  deps: {},
  setup() {
    return {
      onEvent(event) {
        if (event.type === 'call.finished' && event.arguments && event.arguments.text === 'boom') {
          setTimeout(() => {
            throw new Error('boom from a reporter plugin');
          });
        }
      },
    };
  },
};
`;

  const ways: Array<{ how: string; stop: (proxy: RawProxy) => Promise<void>; code: number }> = [
    { how: 'SIGTERM', code: 0, stop: async (proxy) => void proxy.child.kill('SIGTERM') },
    { how: 'SIGINT', code: 0, stop: async (proxy) => void proxy.child.kill('SIGINT') },
    { how: 'stdin closed', code: 0, stop: async (proxy) => void proxy.child.stdin.end() },
    {
      how: 'an uncaught error',
      code: 1,
      stop: async (proxy) => {
        const answer = await proxy.request('tools/call', { name: 'plain__echo', arguments: { text: 'boom' } });
        expect(answer.result).toMatchObject({ content: [{ type: 'text', text: 'boom' }] });
      },
    },
  ];

  for (const way of ways) {
    it(`after ${way.how}: servers, a server's grandchild and a server that ignores SIGTERM are all gone`, async () => {
      const t = temp({
        'c.json': {
          mcpServers: {
            plain: fixtureServerEntry('fault'),
            grand: fixtureServerEntry('fault', { FAULT_SPAWN_GRANDCHILD: '1' }),
            stubborn: fixtureServerEntry('fault', { FAULT_IGNORE_SIGTERM: '1', FAULT_IGNORE_STDIN_END: '1' }),
          },
          ...(way.how === 'an uncaught error' ? { plugins: ['./boom.mjs'] } : {}),
        },
        'boom.mjs': boomPlugin,
      });
      const proxy = startRawProxy(['--config', t.path('c.json'), '--log-level', 'info']);
      let snapshot: number[] = [];
      cleanups.push(() => proxy.kill());
      reapLater(() => snapshot);

      await proxy.initialize();
      const pids: Record<string, number> = {};
      for (const server of ['plain', 'grand', 'stubborn']) {
        const answer = await proxy.request('tools/call', { name: `${server}__pid`, arguments: {} });
        const pid = (answer.result as { structuredContent?: { pid?: number } } | undefined)?.structuredContent?.pid;
        expect(pid, `${server}__pid: ${JSON.stringify(answer)}`).toBeTypeOf('number');
        pids[server] = pid!;
      }
      await expect.poll(() => proxy.stderr(), { timeout: 10_000 }).toMatch(/grandchild \d+/);
      const grandchild = Number(/grandchild (\d+)/.exec(proxy.stderr())![1]);

      snapshot = [...new Set([...descendants(proxy.pid), grandchild])];
      expect(snapshot).toEqual(expect.arrayContaining([pids.plain, pids.grand, pids.stubborn, grandchild]));
      expect(stillAlive(snapshot)).toHaveLength(snapshot.length);

      await way.stop(proxy);
      const exit = await proxy.exited;
      expect(exit, proxy.stderr().slice(-3000)).toEqual({ code: way.code, signal: null });
      if (way.how === 'an uncaught error') expect(proxy.stderr()).toContain('boom from a reporter plugin');

      await expect.poll(() => stillAlive(snapshot), { timeout: 15_000 }).toEqual([]);
    });
  }
});

describe('timeouts', () => {
  it('a 90 s tool that reports progress every 5 s completes under the default timeouts', { timeout: 180_000 }, async () => {
    const t = temp({ 'c.json': { mcpServers: { fault: fixtureServerEntry('fault') } } });
    const proxy = await connectProxy(t.path('c.json'));
    const progress: unknown[] = [];
    const result = await proxy.client.request(
      { method: 'tools/call', params: { name: 'fault__slow', arguments: { ms: 90_000, progressEveryMs: 5_000 } } },
      CallToolResultSchema,
      // The client's own limit is generous and not reset by progress: only the proxy's timeouts are under test.
      { timeout: 150_000, onprogress: (p) => void progress.push(p) },
    );
    expect(result.content).toEqual([{ type: 'text', text: 'slow done' }]);
    // 17 are sent (one every 5 s, none at the end); allow for the SDK client dropping a late one.
    expect(progress.length).toBeGreaterThanOrEqual(15);
  });

  const hangsCancelled = async (serverEntry: Record<string, unknown>) => {
    const t = temp({ 'c.json': { mcpServers: { fault: serverEntry } } });
    const proxy = await connectProxy(t.path('c.json'));
    // The client's limit is far above the configured 2000 ms: an error from the proxy, not the client, is expected.
    const hang = await outcome(proxy.client.callTool({ name: 'fault__hang', arguments: {} }, undefined, { timeout: 20_000 }));
    expect(hang.ok).toBe(false);
    if (hang.ok) return;
    expect(hang.error).toMatch(/\bfault\b/); // the server
    expect(hang.error).toMatch(/hang/); // the tool
    expect(hang.error).toMatch(/2000 ?ms/); // the limit
    const requestId = /hang started (\w+)/.exec(proxy.stderr())?.[1];
    expect(requestId, proxy.stderr()).toBeDefined();
    // The downstream saw notifications/cancelled for that very request.
    await expect.poll(() => proxy.stderr(), { timeout: 10_000 }).toMatch(new RegExp(`cancelled ${requestId}\\b`));
    // And the server is still usable.
    const echoed = await proxy.client.callTool({ name: 'fault__echo', arguments: { text: 'after the timeout' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'after the timeout' }]);
  };

  it('a tool that hangs silently is cancelled at the server timeoutMs, with an error naming server, tool and limit', async () => {
    await hangsCancelled({ ...fixtureServerEntry('fault', { FAULT_HANG: '1' }), timeoutMs: 2000 });
  });

  it('a per-tool timeoutMs cancels that tool at its own limit', async () => {
    await hangsCancelled({ ...fixtureServerEntry('fault', { FAULT_HANG: '1' }), tools: { hang: { timeoutMs: 2000 } } });
  });
});

describe('editing the config file while the proxy runs', () => {
  it('adds a server live (list_changed, no reconnect), ignores broken JSON with a report, keeps unchanged servers', async () => {
    const t = temp();
    const configPath = t.path('c.json');
    const one = fixtureServerEntry('fault');
    writeFileSync(configPath, JSON.stringify({ mcpServers: { one } }, null, 2));
    const proxy = await connectProxy(configPath);
    expect(await toolNames(proxy.client)).toEqual(['one__crash', 'one__echo', 'one__pid', 'one__slow']);
    const onePid = await serverPid(proxy.client, 'one');
    const changesBefore = proxy.listChanged();

    // An editor saving the file in place, with a second server added.
    writeFileSync(configPath, JSON.stringify({ mcpServers: { one, two: fixtureServerEntry('echo') } }, null, 2));
    await expect.poll(() => proxy.listChanged(), { timeout: 20_000 }).toBeGreaterThan(changesBefore);
    await expect
      .poll(() => toolNames(proxy.client), { timeout: 20_000 })
      .toEqual(['one__crash', 'one__echo', 'one__pid', 'one__slow', 'two__add', 'two__echo']);
    const two = await proxy.client.callTool({ name: 'two__echo', arguments: { text: 'hot' } });
    expect(two.content).toEqual([{ type: 'text', text: 'hot' }]);
    expect(await serverPid(proxy.client, 'one')).toBe(onePid);
    expect(proxy.closed()).toBe(false);

    // A half-saved file: reported on stderr, and nothing changes.
    const toolsBefore = await toolNames(proxy.client);
    const stderrBefore = proxy.stderr().length;
    writeFileSync(configPath, '{\n  "mcpServers": {\n    "one": { "command": \n');
    // Reported with the project's coded error for bad JSON, naming the file.
    await expect.poll(() => proxy.stderr().slice(stderrBefore), { timeout: 20_000 }).toMatch(/SWB_CONFIG_PARSE/);
    expect(proxy.stderr().slice(stderrBefore)).toContain(configPath);
    expect(await toolNames(proxy.client)).toEqual(toolsBefore);
    expect((await proxy.client.callTool({ name: 'one__echo', arguments: { text: 'still' } })).content).toEqual([{ type: 'text', text: 'still' }]);
    expect((await proxy.client.callTool({ name: 'two__echo', arguments: { text: 'here' } })).content).toEqual([{ type: 'text', text: 'here' }]);
    expect(await serverPid(proxy.client, 'one')).toBe(onePid);
    expect(proxy.closed()).toBe(false);
  });
});
