// A config that lists Switchboard itself (a Claude Desktop config with the Switchboard entry in it) must not
// start Switchboard inside itself forever, and no Switchboard below another may outlive it.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cliPath, runCli, tempDir } from './helpers/cli.js';
import { commandLine, descendants, startRawProxy, stillAlive } from './helpers/processes.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function temp(files: Record<string, string | object> = {}) {
  const t = tempDir(files);
  cleanups.push(t.cleanup);
  return t;
}

/** SIGKILLs the processes below `root` as last seen, so a failing test leaves nothing behind. */
function reapBelow(root: number): () => number[] {
  let seen: number[] = [];
  const look = () => (seen = [...new Set([...seen, ...descendants(root)])]);
  cleanups.push(() => {
    look();
    for (const pid of seen) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  return look;
}

/** The Switchboard processes among `pids` (not the shell wrappers whose command line names it too). */
const switchboards = (pids: number[]) => pids.filter((pid) => commandLine(pid).startsWith(`${process.execPath} ${cliPath}`));

/** Switchboard started through a wrapper that keeps nothing but the environment, as `npx` would. */
const selfThroughShell = (config: string) => ({ command: 'sh', args: ['-c', `"${process.execPath}" "${cliPath}" --config "${config}"`] });

describe('a config that contains Switchboard itself', () => {
  it('skips the nested Switchboard with a clear error; the other servers serve, nothing runs away', async () => {
    const t = temp();
    const config = t.path('claude_desktop_config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { switchboard: selfThroughShell(config), fault: fixtureServerEntry('fault') } }));
    const proxy = startRawProxy(['--config', config, '--log-level', 'info']);
    cleanups.push(() => proxy.kill());
    const look = reapBelow(proxy.pid);
    await proxy.initialize();

    await expect.poll(() => proxy.stderr(), { timeout: 20_000 }).toMatch(/server \\"switchboard\\" failed to start: .*SWB_NESTED_SWITCHBOARD/);
    expect(proxy.stderr()).toContain('runs the same config');
    // The nested one refused before starting anything: no Switchboard below it, at most the one refusing.
    expect(switchboards(look()).length).toBeLessThanOrEqual(1);
    const tools = await proxy.request('tools/list');
    const names = (tools.result as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name);
    expect(names).toContain('fault__echo');
    expect(names.some((name) => name.startsWith('switchboard__'))).toBe(false);
  });

  it('`list` shows the nested Switchboard as failed with the reason and ends', async () => {
    const t = temp();
    const config = t.path('c.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { me: selfThroughShell(config) } }));
    const result = await runCli(['list', '--config', config]);
    expect(result.stdout).toMatch(/me\s+file\s+failed\s.*SWB_NESTED_SWITCHBOARD/);
  });
});

describe('a Switchboard below another', () => {
  it('does not outlive the outer one when that is SIGKILLed, nor do its servers', async () => {
    const t = temp({ 'inner.json': { mcpServers: { fault: fixtureServerEntry('fault') } } });
    const outer = t.path('outer.json');
    // The inner Switchboard runs a config of its own: nesting is allowed.
    writeFileSync(outer, JSON.stringify({ mcpServers: { inner: selfThroughShell(t.path('inner.json')) } }));
    const proxy = startRawProxy(['--config', outer, '--log-level', 'info']);
    cleanups.push(() => proxy.kill());
    const look = reapBelow(proxy.pid);
    await proxy.initialize();
    const answer = await proxy.request('tools/call', { name: 'inner__fault__pid', arguments: {} });
    const serverPid = (answer.result as { structuredContent?: { pid?: number } }).structuredContent?.pid;
    expect(serverPid, JSON.stringify(answer)).toBeTypeOf('number');
    const tree = look();
    expect(switchboards(tree)).toHaveLength(1);
    expect(tree).toContain(serverPid);

    proxy.child.kill('SIGKILL');
    await proxy.exited;
    await expect.poll(() => stillAlive(tree), { timeout: 15_000 }).toEqual([]);
  });

  it('an inner Switchboard that does not read stdin (HTTP, started in the background by a wrapper) stops too', async () => {
    const t = temp({ 'inner.json': { mcpServers: { fault: fixtureServerEntry('fault') } } });
    const fault = fixtureServerEntry('fault');
    const script = `"${process.execPath}" "${cliPath}" --config "${t.path('inner.json')}" --transport streamable-http --port 0 2>"${t.path('inner.log')}" & exec "${fault.command}" "${fault.args[0]}"`;
    writeFileSync(t.path('outer.json'), JSON.stringify({ mcpServers: { wrapped: { command: 'sh', args: ['-c', script] } } }));
    const proxy = startRawProxy(['--config', t.path('outer.json'), '--log-level', 'info']);
    cleanups.push(() => proxy.kill());
    const look = reapBelow(proxy.pid);
    await proxy.initialize();
    // The inner Switchboard is up once its own server is: a node process below it.
    await expect.poll(() => switchboards(look()).flatMap((pid) => descendants(pid)).length, { timeout: 20_000 }).toBeGreaterThan(0);
    const tree = look();

    proxy.child.kill('SIGKILL');
    await proxy.exited;
    await expect.poll(() => stillAlive(tree), { timeout: 15_000 }).toEqual([]);
  });
});
