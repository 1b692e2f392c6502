import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Logger } from '@mcp-switchboard/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllProcessGroups, processAlive, processGroupAlive, registeredProcessGroups } from './process-groups.js';
import { StdioProcessTransport } from './stdio-process-transport.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger that records every line with the bindings of the child logger that wrote it. */
function recordingLogger() {
  const lines: LogLine[] = [];
  const listeners: Array<() => void> = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const log =
      (level: string) =>
      (message: string, fields: Record<string, unknown> = {}): void => {
        lines.push({ level, message, fields: { ...bindings, ...fields } });
        for (const listener of [...listeners]) listener();
      };
    return {
      trace: log('trace'),
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  /** Resolves with the first line (already logged or to come) that matches. */
  const waitFor = (match: (line: LogLine) => boolean): Promise<LogLine> =>
    new Promise((resolve) => {
      const check = (): boolean => {
        const found = lines.find(match);
        if (found) resolve(found);
        return found !== undefined;
      };
      if (check()) return;
      const listener = (): void => {
        if (check()) listeners.splice(listeners.indexOf(listener), 1);
      };
      listeners.push(listener);
    });
  return { logger: make({}), lines, waitFor };
}

/** A small MCP server built on the SDK's McpServer + StdioServerTransport. */
const fixtureSource = (root: string): string => `
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
const require = createRequire(${JSON.stringify(path.join(root, 'package.json'))});
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { z } = require('zod');

const flags = process.argv.slice(2);
if (flags.includes('--ignore-sigterm')) {
  // A stubborn server: survives SIGTERM and the end of its stdin.
  process.on('SIGTERM', () => process.stderr.write('ignoring SIGTERM\\n'));
  setInterval(() => {}, 1000);
}
if (flags.includes('--grandchild')) {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  process.stderr.write('grandchild ' + child.pid + '\\n');
}

const server = new McpServer({ name: 'fixture', version: '1.0.0' });
server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: 'text', text }],
}));
server.registerTool('env', { inputSchema: { name: z.string() } }, async ({ name }) => ({
  content: [{ type: 'text', text: process.env[name] ?? '<unset>' }],
}));
server.registerTool('cwd', {}, async () => ({ content: [{ type: 'text', text: process.cwd() }] }));
server.registerTool('noise', {}, async () => {
  process.stdout.write('this is not json-rpc\\n');
  return { content: [{ type: 'text', text: 'ok' }] };
});
await server.connect(new StdioServerTransport());
process.stderr.write('partial ');
process.stderr.write('line\\n');
process.stderr.write('ready\\n');
const exitCode = flags.indexOf('--exit');
if (exitCode !== -1) process.exit(Number(flags[exitCode + 1]));
`;

let dir: string;
let fixture: string;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'swb-stdio-')));
  fixture = path.join(dir, 'fixture-server.mjs');
  writeFileSync(fixture, fixtureSource(repoRoot));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fixtureTransport(options: { flags?: string[]; env?: Record<string, string>; cwd?: string; killGraceMs?: number } = {}) {
  const log = recordingLogger();
  const transport = new StdioProcessTransport({
    name: 'fixture',
    command: process.execPath,
    args: [fixture, ...(options.flags ?? [])],
    env: options.env ?? {},
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    logger: log.logger,
    ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
  });
  const ready = () => log.waitFor((line) => line.message === 'ready');
  return { transport, ready, ...log };
}

async function connectClient(transport: StdioProcessTransport): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Polls `condition` until it holds or `limitMs` passed; returns whether it held. Not a timing assertion. */
async function eventually(condition: () => boolean, limitMs = 10_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

const text = (result: unknown): string => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('StdioProcessTransport', () => {
  it('runs a real MCP server: list tools and call one through an SDK Client', async () => {
    const { transport } = fixtureTransport();
    const client = await connectClient(transport);
    try {
      expect(transport.pid).toBeTypeOf('number');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['cwd', 'echo', 'env', 'noise']);
      expect(text(await client.callTool({ name: 'echo', arguments: { text: 'hello there' } }))).toBe('hello there');
    } finally {
      await client.close();
    }
    expect(transport.exitCode !== undefined).toBe(true);
  });

  it('caps a stderr flood (rate and line length) and says how much it dropped', async () => {
    const log = recordingLogger();
    const flood =
      "const long = 'y'.repeat(100000); process.stderr.write(long + '\\n'); for (let i = 0; i < 20000; i++) process.stderr.write('flood line ' + i + '\\n');";
    const transport = new StdioProcessTransport({
      name: 'flood',
      command: process.execPath,
      args: ['-e', flood],
      logger: log.logger,
      stderrLimits: { burstLines: 50, linesPerSecond: 1, maxLineLength: 100 },
    });
    await transport.start();
    await transport.done;
    const stderrLines = log.lines.filter((l) => l.fields.stream === 'stderr' && l.level === 'info');
    expect(stderrLines.length).toBeLessThanOrEqual(60);
    expect(stderrLines[0]!.message).toBe(`${'y'.repeat(100)}… (99900 more characters dropped)`);
    const note = log.lines.find((l) => l.level === 'warn' && l.message.includes('dropped'));
    expect(note?.message).toMatch(/server wrote too much on stderr: \d+ lines \/ \d+ bytes dropped/);
    expect(Number(note?.fields.droppedLines)).toBeGreaterThan(19000);
  });

  it('logs each stderr line at info, tagged with the server name, joining partial writes', async () => {
    const { transport, ready, lines } = fixtureTransport();
    const client = await connectClient(transport);
    try {
      const line = await ready();
      expect(line).toMatchObject({ level: 'info', fields: { server: 'fixture', stream: 'stderr' } });
      const partial = lines.find((l) => l.message.startsWith('partial'));
      expect(partial).toMatchObject({ message: 'partial line', level: 'info', fields: { server: 'fixture' } });
    } finally {
      await client.close();
    }
  });

  it('warns about (and reports) a stdout line that is not JSON-RPC, and keeps the connection working', async () => {
    const { transport, waitFor } = fixtureTransport();
    const client = await connectClient(transport);
    const errors: Error[] = [];
    const previous = transport.onerror;
    transport.onerror = (error) => {
      errors.push(error);
      previous?.(error);
    };
    try {
      expect(text(await client.callTool({ name: 'noise', arguments: {} }))).toBe('ok');
      const warning = await waitFor((l) => l.level === 'warn' && l.message.includes('not a JSON-RPC message'));
      expect(warning.fields.server).toBe('fixture');
      expect(errors.some((e) => e.message.includes('server "fixture"'))).toBe(true);
      expect(text(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe('still here');
    } finally {
      await client.close();
    }
  });

  it('gives the child only the minimal environment plus the configured variables', async () => {
    process.env.SWB_TEST_PARENT_ONLY = 'leaked';
    const { transport } = fixtureTransport({ env: { SWB_TEST_CONFIGURED: 'configured' } });
    const client = await connectClient(transport);
    try {
      const env = async (name: string) => text(await client.callTool({ name: 'env', arguments: { name } }));
      expect(await env('SWB_TEST_PARENT_ONLY')).toBe('<unset>');
      expect(await env('SWB_TEST_CONFIGURED')).toBe('configured');
      expect(await env('PATH')).toBe(process.env.PATH);
    } finally {
      delete process.env.SWB_TEST_PARENT_ONLY;
      await client.close();
    }
  });

  it('resolves a relative cwd against process.cwd()', async () => {
    const { transport } = fixtureTransport({ cwd: path.relative(process.cwd(), dir) });
    const client = await connectClient(transport);
    try {
      expect(text(await client.callTool({ name: 'cwd', arguments: {} }))).toBe(dir);
    } finally {
      await client.close();
    }
  });

  it('rejects start() with a clear message when the command does not exist', async () => {
    const { logger } = recordingLogger();
    const transport = new StdioProcessTransport({ name: 'ghost', command: 'swb-no-such-command-xyz', logger });
    await expect(transport.start()).rejects.toThrow(
      'command not found: swb-no-such-command-xyz (spawn swb-no-such-command-xyz ENOENT); is it installed and on PATH?',
    );
    await expect(transport.start()).rejects.toThrow(/already started/);
    await transport.close();
    await transport.done;
  });

  it('rejects start() when the working directory does not exist', async () => {
    const { logger } = recordingLogger();
    const missing = path.join(dir, 'no-such-dir');
    const transport = new StdioProcessTransport({ name: 'lost', command: process.execPath, cwd: missing, logger });
    await expect(transport.start()).rejects.toMatchObject({
      code: 'SWB_SERVER_START',
      message: expect.stringContaining(`working directory not found: ${missing}`),
    });
  });

  it('spawns nothing when closed before start() got to spawn (its modules load first)', async () => {
    const { logger } = recordingLogger();
    const transport = new StdioProcessTransport({ name: 'early', command: process.execPath, args: ['-e', 'setTimeout(() => {}, 60000)'], logger });
    const started = transport.start();
    await transport.close();
    await expect(started).rejects.toMatchObject({ code: 'SWB_SERVER_START', message: 'server "early": closed before it started' });
    expect(transport.pid).toBeUndefined();
    await transport.done;
  });

  it('close() takes down the whole process group, grandchildren included', async () => {
    const { transport, waitFor, ready } = fixtureTransport({ flags: ['--grandchild'] });
    const client = await connectClient(transport);
    const grandchildLine = await waitFor((l) => l.message.startsWith('grandchild '));
    const grandchildPid = Number(grandchildLine.message.split(' ')[1]);
    await ready();
    const pid = transport.pid!;
    expect(processAlive(grandchildPid)).toBe(true);
    expect(registeredProcessGroups()).toContain(pid);

    await client.close();

    expect(transport.exitSignal).toBe('SIGTERM');
    // Dead or a zombie: in containers whose init does not reap orphans, `kill(pid, 0)` still finds zombies.
    expect(processAlive(grandchildPid)).toBe(false);
    expect(processGroupAlive(pid)).toBe(false);
    expect(registeredProcessGroups()).not.toContain(pid);
  });

  it('SIGKILLs a server that ignores SIGTERM once the grace period is over', async () => {
    const { transport, ready, waitFor } = fixtureTransport({ flags: ['--ignore-sigterm'], killGraceMs: 300 });
    const client = await connectClient(transport);
    await ready();
    const pid = transport.pid!;
    await client.close();
    await waitFor((l) => l.message === 'ignoring SIGTERM');
    expect(transport.exitSignal).toBe('SIGKILL');
    expect(processAlive(pid)).toBe(false);
    await waitFor((l) => l.level === 'warn' && l.message.includes('sending SIGKILL'));
  });

  it('reports a server that exits by itself with onclose, once, and logs the exit code', async () => {
    const { transport, waitFor } = fixtureTransport({ flags: ['--exit', '3'] });
    let closes = 0;
    transport.onclose = () => closes++;
    await transport.start();
    const pid = transport.pid!;
    await transport.done;
    expect(closes).toBe(1);
    expect(transport.exitCode).toBe(3);
    const line = await waitFor((l) => l.message.includes('exited'));
    expect(line).toMatchObject({ level: 'warn', fields: { server: 'fixture', code: 3 } });
    expect(registeredProcessGroups()).not.toContain(pid);
    await expect(transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' })).rejects.toThrow(/not running/);
    await transport.close();
    expect(closes).toBe(1);
  });

  it('killAllProcessGroups (the process exit hook) SIGKILLs every live server group synchronously', async () => {
    const { transport, ready } = fixtureTransport({ flags: ['--grandchild'] });
    await transport.start();
    await ready();
    expect(process.listeners('exit')).toContain(killAllProcessGroups);
    const pid = transport.pid!;
    killAllProcessGroups();
    await transport.done;
    expect(transport.exitSignal).toBe('SIGKILL');
    expect(processGroupAlive(pid)).toBe(false);
  });

  const built = path.join(repoRoot, 'plugins/transport-stdio/dist/stdio-process-transport.js');
  it.skipIf(!existsSync(built))('no server or grandchild outlives a proxy that dies of an uncaught error (needs the build)', async () => {
    // A parent process starts the fixture through the built transport, then throws.
    const parent = path.join(dir, 'crashing-parent.mjs');
    writeFileSync(
      parent,
      `
import { StdioProcessTransport } from ${JSON.stringify(built)};
const crash = () => setImmediate(() => { throw new Error('boom'); });
const logger = { trace() {}, debug() {}, info(m) { if (m === 'ready') crash(); }, warn() {}, error() {}, child() { return logger; } };
const t = new StdioProcessTransport({ name: 'f', command: process.execPath, args: [${JSON.stringify(fixture)}, '--grandchild'], logger });
await t.start();
process.stdout.write(String(t.pid) + '\\n');
`,
    );
    const result = spawnSync(process.execPath, [parent], { encoding: 'utf8' });
    expect(result.stderr).toContain('boom');
    const pid = Number(result.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // SIGKILL was sent before the parent died; the kernel may take a moment to finish the processes off.
    expect(await eventually(() => !processGroupAlive(pid))).toBe(true);
  });
});
