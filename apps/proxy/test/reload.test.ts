import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cliTransport, tempDir } from './helpers/cli.js';
import { descendants, isAlive } from './helpers/processes.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An echo fixture whose command line carries `marker=<marker>`, so its process can be found in /proc. */
function echo(name: string, marker: string, env: Record<string, string> = {}) {
  const entry = fixtureServerEntry('echo', { FIXTURE_NAME: name, ...env });
  return { ...entry, args: [...entry.args, `marker=${marker}`] };
}

/** The pid of the proxy's child whose command line holds `marker=<marker>`, or undefined. */
function pidOf(proxyPid: number, marker: string): number | undefined {
  return descendants(proxyPid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`marker=${marker}`) && isAlive(pid);
    } catch {
      return false;
    }
  });
}

interface Running {
  client: Client;
  transport: StdioClientTransport;
  pid: number;
  stderr(): string;
  /** Parsed JSON log lines with this message. */
  logs(message: string | RegExp): Array<Record<string, unknown>>;
  listChanged(): number;
  toolNames(): Promise<string[]>;
  call(name: string, text: string): Promise<string>;
}

async function start(configFile: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<Running> {
  const transport = cliTransport(['--config', configFile, '--log-level', 'debug', ...extraArgs], env);
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'reload-test', version: '1.0.0' });
  let listChanged = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listChanged++;
  });
  await client.connect(transport);
  cleanups.push(() => client.close());
  const logs = (message: string | RegExp) =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => (typeof message === 'string' ? line.msg === message : message.test(String(line.msg))));
  return {
    client,
    transport,
    pid: transport.pid!,
    stderr: () => stderr,
    logs,
    listChanged: () => listChanged,
    toolNames: async () => (await client.listTools()).tools.map((t) => t.name).sort(),
    call: async (name, text) => {
      const result = (await client.callTool({ name, arguments: { text } })) as { content: Array<{ text?: string }> };
      return result.content.map((c) => c.text ?? '').join('');
    },
  };
}

/** Replaces the file the way many editors save: write a temp file, rename it over the original. */
function saveLikeAnEditor(file: string, content: string | object): void {
  const temp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temp, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  renameSync(temp, file);
}

describe('hot reload of the config file', () => {
  it('applies a valid change as a diff, survives a broken file and applies the fix, all in one session', async () => {
    const keep = `keep-${randomUUID()}`;
    const added = `added-${randomUUID()}`;
    const t = tempDir({ 'c.json': { mcpServers: { keep: echo('keep', keep) } } });
    cleanups.push(t.cleanup);
    const file = t.path('c.json');
    const proxy = await start(file);

    expect(await proxy.toolNames()).toEqual(['keep__add', 'keep__echo']);
    const keepPid = pidOf(proxy.pid, keep);
    expect(keepPid).toBeDefined();

    // 1. Add a server: its tools appear with list_changed, in the same session; the unchanged server keeps its process.
    writeFileSync(file, JSON.stringify({ mcpServers: { keep: echo('keep', keep), added: echo('added', added) } }, null, 2));
    await expect.poll(() => proxy.listChanged(), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => proxy.toolNames(), { timeout: 20_000 }).toEqual(['added__add', 'added__echo', 'keep__add', 'keep__echo']);
    expect(await proxy.call('added__echo', 'hello from the new server')).toBe('hello from the new server');
    expect(pidOf(proxy.pid, keep)).toBe(keepPid);
    const reloaded = proxy.logs('config reloaded');
    expect(reloaded.length).toBeGreaterThanOrEqual(1);
    expect(reloaded.at(-1)).toMatchObject({ added: ['added'], removed: [], changed: [], file });
    const addedPid = pidOf(proxy.pid, added);
    expect(addedPid).toBeDefined();

    // 2. Break the JSON: a clear error naming the file and the position; nothing changes.
    const before = proxy.listChanged();
    saveLikeAnEditor(file, '{\n  "mcpServers": {\n    "keep": { "command": "node", }\n  }\n}\n');
    await expect.poll(() => proxy.logs(/^config reload failed/).length, { timeout: 10_000 }).toBe(1);
    const failure = proxy.logs(/^config reload failed/)[0]!;
    expect(failure.msg).toContain(`${file}:3:`);
    expect(failure.msg).toContain('invalid JSON');
    expect(failure.msg).toContain('still running the last good config');
    expect(failure).toMatchObject({ level: 50, code: 'SWB_CONFIG_PARSE' });
    expect(await proxy.toolNames()).toEqual(['added__add', 'added__echo', 'keep__add', 'keep__echo']);
    expect(await proxy.call('keep__echo', 'still here')).toBe('still here');
    expect(await proxy.call('added__echo', 'me too')).toBe('me too');
    expect([pidOf(proxy.pid, keep), pidOf(proxy.pid, added)]).toEqual([keepPid, addedPid]);
    expect(proxy.listChanged()).toBe(before);

    // 3. A schema error and a missing variable are refused the same way, each naming its JSON path.
    saveLikeAnEditor(file, { mcpServers: { keep: echo('keep', keep), added: { command: 5 } } });
    await expect.poll(() => proxy.logs(/^config reload failed/).length, { timeout: 10_000 }).toBe(2);
    expect(proxy.logs(/^config reload failed/)[1]!.msg).toContain(`${file}: mcpServers.added.command: expected string`);
    // (A missing variable inside one server only stops that server; outside mcpServers it fails the reload.)
    saveLikeAnEditor(file, { http: { authToken: '${NOT_SET_ANYWHERE}' }, mcpServers: { keep: echo('keep', keep), added: echo('added', added) } });
    await expect.poll(() => proxy.logs(/^config reload failed/).length, { timeout: 10_000 }).toBe(3);
    expect(proxy.logs(/^config reload failed/)[2]!.msg).toContain('http.authToken: environment variable NOT_SET_ANYWHERE is not set');
    expect([pidOf(proxy.pid, keep), pidOf(proxy.pid, added)]).toEqual([keepPid, addedPid]);

    // 4. The fix: "added" changes (restarted), a new one appears, "keep" is untouched; a port change waits for a restart.
    const third = `third-${randomUUID()}`;
    saveLikeAnEditor(file, {
      port: 45_678,
      mcpServers: { keep: echo('keep', keep), added: echo('added', added, { CHANGED: 'yes' }), third: echo('third', third) },
    });
    await expect.poll(() => proxy.logs('config reloaded').length, { timeout: 10_000 }).toBe(2);
    expect(proxy.logs('config reloaded')[1]).toMatchObject({ added: ['third'], changed: ['added'], removed: [] });
    expect(proxy.logs('restart to apply: port')).toHaveLength(1);
    await expect.poll(() => proxy.toolNames(), { timeout: 20_000 }).toContain('third__echo');
    await expect.poll(() => pidOf(proxy.pid, added), { timeout: 20_000 }).not.toBe(addedPid);
    expect(pidOf(proxy.pid, added)).toBeDefined();
    expect(isAlive(addedPid!)).toBe(false);
    expect(pidOf(proxy.pid, keep)).toBe(keepPid);
    await expect.poll(() => proxy.call('added__echo', 'restarted'), { timeout: 20_000 }).toBe('restarted');

    // 5. Removing a server stops its process and takes its tools away.
    const thirdPid = pidOf(proxy.pid, third)!;
    saveLikeAnEditor(file, { port: 45_678, mcpServers: { keep: echo('keep', keep), added: echo('added', added, { CHANGED: 'yes' }) } });
    await expect.poll(() => proxy.toolNames(), { timeout: 20_000 }).toEqual(['added__add', 'added__echo', 'keep__add', 'keep__echo']);
    await expect.poll(() => isAlive(thirdPid), { timeout: 10_000 }).toBe(false);
    expect(pidOf(proxy.pid, keep)).toBe(keepPid);
    // Same proxy process, same session all along.
    expect(isAlive(proxy.pid)).toBe(true);
  });

  it('with "watch": false ignores file edits; SIGHUP reloads on demand', async () => {
    const keep = `keep-${randomUUID()}`;
    const t = tempDir({ 'c.json': { watch: false, mcpServers: { keep: echo('keep', keep) } } });
    cleanups.push(t.cleanup);
    const file = t.path('c.json');
    const proxy = await start(file);
    expect(await proxy.toolNames()).toEqual(['keep__add', 'keep__echo']);
    const keepPid = pidOf(proxy.pid, keep);

    const later = `later-${randomUUID()}`;
    writeFileSync(file, JSON.stringify({ watch: false, mcpServers: { keep: echo('keep', keep), later: echo('later', later) } }));
    // Longer than the debounce and a reload: a watcher would have applied it by now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(proxy.logs('config reloaded')).toEqual([]);
    expect(await proxy.toolNames()).toEqual(['keep__add', 'keep__echo']);

    process.kill(proxy.pid, 'SIGHUP');
    await expect.poll(() => proxy.logs('config reloaded').length, { timeout: 10_000 }).toBe(1);
    expect(proxy.logs('config reloaded')[0]).toMatchObject({ trigger: 'SIGHUP', added: ['later'] });
    await expect.poll(() => proxy.listChanged(), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(await proxy.toolNames()).toEqual(['keep__add', 'keep__echo', 'later__add', 'later__echo']);
    expect(await proxy.call('later__echo', 'on demand')).toBe('on demand');
    expect(pidOf(proxy.pid, keep)).toBe(keepPid);

    // A SIGHUP with a broken file reports it and keeps serving; the process does not die of the signal.
    writeFileSync(file, '{ "watch": false, "mcpServers": ');
    process.kill(proxy.pid, 'SIGHUP');
    await expect.poll(() => proxy.logs(/^config reload failed/).length, { timeout: 10_000 }).toBe(1);
    expect(proxy.logs(/^config reload failed/)[0]!.msg).toContain(`${file}:1:`);
    expect(await proxy.call('keep__echo', 'alive')).toBe('alive');
    expect(isAlive(proxy.pid)).toBe(true);
  });

  it('keeps flag > env > file precedence across a reload', async () => {
    const keep = `keep-${randomUUID()}`;
    const t = tempDir({ 'c.json': { mcpServers: { keep: echo('keep', keep) }, logLevel: 'warn', startupBudgetMs: 1000, pageSize: 100 } });
    cleanups.push(t.cleanup);
    const file = t.path('c.json');
    // logLevel from the flag (--log-level debug, see start()), startupBudgetMs from the environment.
    const proxy = await start(file, [], { SWITCHBOARD_STARTUP_BUDGET_MS: '4321' });
    writeFileSync(
      file,
      JSON.stringify({
        logLevel: 'error',
        startupBudgetMs: 9999,
        pageSize: 7,
        mcpServers: { keep: echo('keep', keep), other: echo('other', `o-${randomUUID()}`) },
      }),
    );
    await expect.poll(() => proxy.logs('config reloaded').length, { timeout: 10_000 }).toBe(1);
    // The file's new logLevel and startupBudgetMs lose to the flag and the env var: no change. pageSize has no
    // override, so its change is real (and needs a restart).
    expect(proxy.logs(/^restart to apply/).map((l) => l.msg)).toEqual(['restart to apply: pageSize']);
    await expect.poll(() => proxy.toolNames(), { timeout: 20_000 }).toContain('other__echo');
  });

  it("keeps watching when the config's folder is deleted and created again (editors and sync tools do that)", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    mkdirSync(t.path('cfg'));
    const file = t.path('cfg/c.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { one: echo('one', `one-${randomUUID()}`) } }));
    const proxy = await start(file);
    expect(await proxy.toolNames()).toEqual(['one__add', 'one__echo']);

    rmSync(t.path('cfg'), { recursive: true });
    await expect.poll(() => proxy.logs(/folder was deleted or replaced/).length, { timeout: 20_000 }).toBe(1);
    mkdirSync(t.path('cfg'));
    writeFileSync(file, JSON.stringify({ mcpServers: { one: echo('one', `one-${randomUUID()}`), two: echo('two', `two-${randomUUID()}`) } }));
    await expect.poll(() => proxy.toolNames(), { timeout: 20_000 }).toEqual(['one__add', 'one__echo', 'two__add', 'two__echo']);

    // And the new folder is watched: a later edit is applied too.
    writeFileSync(file, JSON.stringify({ mcpServers: { two: echo('two', `two-${randomUUID()}`) } }));
    await expect.poll(() => proxy.toolNames(), { timeout: 20_000 }).toEqual(['two__add', 'two__echo']);
  });
});
