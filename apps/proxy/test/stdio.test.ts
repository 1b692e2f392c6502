import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cliPath, repoRoot, tempDir } from './helpers/cli.js';
import { descendants, isAlive } from './helpers/processes.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function startProxy(args: string[]) {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(() => child.kill('SIGKILL'));
  const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
  return { child, send, exited, out: () => stdout, err: () => stderr };
}

function config() {
  const t = tempDir({ 'c.json': { mcpServers: { echo: fixtureServerEntry('echo'), progress: fixtureServerEntry('progress') } } });
  cleanups.push(t.cleanup);
  return t.path('c.json');
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('stdio mode', () => {
  it('writes only JSON-RPC to stdout, even at debug log level, and stops when stdin closes', async () => {
    const proxy = startProxy(['--config', config(), '--log-level', 'debug']);
    proxy.send(initialize);
    proxy.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    proxy.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    proxy.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo__echo', arguments: { text: 'pure' } } });
    await expect.poll(() => proxy.out(), { timeout: 20_000 }).toContain('"id":3');
    proxy.child.stdin.end();
    const { code } = await proxy.exited;
    expect(code).toBe(0);

    const lines = proxy
      .out()
      .split('\n')
      .filter((line) => line.length > 0);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const message = JSON.parse(line);
      expect(message.jsonrpc).toBe('2.0');
    }
    expect(proxy.err()).toMatch(/"level"|debug|info/i);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} stops it gracefully with exit code 0 and no child left`, async () => {
      const proxy = startProxy(['--config', config(), '--log-level', 'info']);
      proxy.send(initialize);
      proxy.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      proxy.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      await expect.poll(() => proxy.out(), { timeout: 20_000 }).toContain('echo__echo');
      const children = descendants(proxy.child.pid!);
      expect(children.length).toBeGreaterThanOrEqual(2);
      proxy.child.kill(signal);
      const { code } = await proxy.exited;
      expect(code).toBe(0);
      await expect.poll(() => children.filter(isAlive), { timeout: 10_000 }).toEqual([]);
    });
  }
});
