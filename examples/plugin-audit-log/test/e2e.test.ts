// End to end: the real mcp-switchboard CLI, loading this plugin from a config file, in front of the echo fixture
// server, driven over stdio by the MCP SDK client. Needs the repository built (`npm run build`).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const pluginEntry = join(packageDir, 'dist', 'index.js');
const cliPath = fileURLToPath(new URL('../../../apps/proxy/dist/cli.js', import.meta.url));
const built = existsSync(cliPath) && existsSync(pluginEntry);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the CLI on `configFile`, makes the calls one after another, closes the client and waits for the exit. */
async function runCalls(configFile: string, cwd: string, calls: Array<{ name: string; arguments: Record<string, unknown> }>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, '--config', configFile],
    cwd,
    env: { ...getDefaultEnvironment(), SWITCHBOARD_LOG_LEVEL: 'warn' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'audit-log-e2e', version: '1.0.0' });
  try {
    await client.connect(transport);
    const pid = transport.pid;
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo__echo', 'echo__add']));
    const results = [];
    for (const call of calls) results.push(await client.callTool(call));
    // A burst right before closing: the stop that follows must not lose any of its records.
    results.push(...(await Promise.all(burst.map((call) => client.callTool(call)))));
    // Closing stdin is how a stdio client says goodbye: the CLI stops gracefully and reporters flush.
    await client.close();
    if (pid !== null) await expect.poll(() => isAlive(pid), { timeout: 20_000, interval: 50 }).toBe(false);
    return { results, stderr };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- CLI stderr ---\n${stderr}`, { cause: error });
  }
}

function readRecords(file: string): AuditRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord);
}

const calls = [
  { name: 'echo__echo', arguments: { text: 'secret-value-1' } },
  { name: 'echo__add', arguments: { a: 1, b: 2 } },
  { name: 'echo__echo', arguments: { text: 'secret-value-2' } },
  { name: 'echo__add', arguments: { b: 40, a: 2 } },
  { name: 'echo__echo', arguments: { text: 'secret-value-3' } },
];
const burst = Array.from({ length: 20 }, (_, i) => ({ name: 'echo__add', arguments: { a: i, b: 1 } }));

function expectAuditOf(file: string, startedAt: number, endedAt: number) {
  expect(existsSync(file)).toBe(true);
  const text = readFileSync(file, 'utf8');
  expect(text).not.toMatch(/secret-value/);
  const records = readRecords(file);
  // One line per call: the sequential calls in order, then the burst (finishing in any order).
  expect(records).toHaveLength(calls.length + burst.length);
  expect(records.slice(0, calls.length).map((r) => [r.server, r.tool, r.argumentKeys])).toEqual([
    ['echo', 'echo', ['text']],
    ['echo', 'add', ['a', 'b']],
    ['echo', 'echo', ['text']],
    ['echo', 'add', ['a', 'b']],
    ['echo', 'echo', ['text']],
  ]);
  for (const record of records.slice(calls.length)) expect([record.server, record.tool, record.argumentKeys]).toEqual(['echo', 'add', ['a', 'b']]);
  const sessions = new Set(records.map((r) => r.session));
  expect(sessions.size).toBe(1);
  expect([...sessions][0]).toMatch(/\S/);
  for (const record of records) {
    expect(record.success).toBe(true);
    expect(record).not.toHaveProperty('error');
    expect(typeof record.durationMs).toBe('number');
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    const time = Date.parse(record.time);
    expect(new Date(time).toISOString()).toBe(record.time);
    expect(time).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(time).toBeLessThanOrEqual(endedAt + 1000);
    expect(Object.keys(record).sort()).toEqual(['argumentKeys', 'durationMs', 'server', 'session', 'success', 'time', 'tool']);
  }
}

describe.skipIf(!built)('audit-log through the real CLI', () => {
  it('listed by the absolute path of its built file: one line per call, written before the process exits', async () => {
    const configFile = join(dir, 'switchboard.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        mcpServers: { echo: fixtureServerEntry('echo') },
        plugins: [[pluginEntry, { file: 'logs/audit.jsonl' }]],
      }),
    );
    const startedAt = Date.now();
    const { results } = await runCalls(configFile, packageDir, calls);
    expect(results.slice(0, calls.length).map((r) => (r.content as Array<{ text: string }>)[0]?.text)).toEqual([
      'secret-value-1',
      '3',
      'secret-value-2',
      '42',
      'secret-value-3',
    ]);
    expect(results.slice(calls.length).map((r) => (r.content as Array<{ text: string }>)[0]?.text)).toEqual(burst.map((c) => String(c.arguments.a + 1)));
    // Relative to the config file's folder, not to the CLI's working directory.
    expectAuditOf(join(dir, 'logs', 'audit.jsonl'), startedAt, Date.now());
    expect(existsSync(join(packageDir, 'logs'))).toBe(false);
  });

  it('listed by its short name, installed in node_modules next to the config', async () => {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(packageDir, join(dir, 'node_modules', 'switchboard-plugin-audit-log'), 'dir');
    const configFile = join(dir, 'switchboard.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        mcpServers: { echo: fixtureServerEntry('echo') },
        plugins: [['audit-log', { file: 'audit.jsonl' }]],
      }),
    );
    const startedAt = Date.now();
    await runCalls(configFile, dir, calls);
    expectAuditOf(join(dir, 'audit.jsonl'), startedAt, Date.now());
  });
});

if (!built) {
  it.skip(`audit-log through the real CLI needs ${existsSync(cliPath) ? pluginEntry : cliPath}: run \`npm run build\` first`, () => undefined);
}
