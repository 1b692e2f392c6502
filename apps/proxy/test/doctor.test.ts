import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { failureHint } from '../src/doctor/hints.js';
import { cleanEnv, runCli, tempDir } from './helpers/cli.js';
import { freePort } from './helpers/http-proxy.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dir(files: Record<string, string | object> = {}) {
  const t = tempDir(files);
  cleanups.push(t.cleanup);
  return t;
}

/** The table row of a server, and the hint line under it (if any). */
function rowOf(stdout: string, server: string): { row: string; hint: string | undefined } {
  const lines = stdout.split('\n');
  const index = lines.findIndex((line) => line.startsWith(`${server} `));
  expect(index, `no row for ${server} in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const next = lines[index + 1] ?? '';
  return { row: lines[index]!, hint: /^\s+hint: /.test(next) ? next.trim().slice('hint: '.length) : undefined };
}

/** A server that answers 401 to everything, like a remote MCP server given a wrong token. */
async function unauthorizedServer(): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' });
    res.end('{"error":"invalid_token"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
}

describe('mcp-switchboard doctor', () => {
  it('starts every server, prints state, tools, start-up time, the error and a hint for each failure, and exits 1', async () => {
    const home = dir();
    const t = dir({ 'not-executable.sh': '#!/bin/sh\necho never\n' });
    const refusedUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    const config = {
      mcpServers: {
        good: fixtureServerEntry('echo'),
        ghost: { command: 'definitely-not-a-command-xyz', args: [] },
        npx: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
        quitter: fixtureServerEntry('exit-at-start'),
        locked: { command: t.path('not-executable.sh') },
        slow: { ...fixtureServerEntry('slow-start', { FIXTURE_DELAY_MS: '10000' }), connectTimeoutMs: 1500 },
        refused: { url: refusedUrl },
        denied: { type: 'http', url: await unauthorizedServer(), headers: { Authorization: 'Bearer wrong-token-value' } },
        off: { command: 'whatever', disabled: true },
      },
    };
    writeFileSync(t.path('c.json'), JSON.stringify(config));
    // No npx on this PATH: the classic "spawn npx ENOENT" of a desktop app started without the user's shell.
    const result = await runCli(['doctor', '--config', t.path('c.json')], { env: cleanEnv(home.dir, { PATH: '/nonexistent-bin' }), timeoutMs: 45_000 });
    expect(result.code, result.stderr).toBe(1);
    const out = result.stdout;
    expect(out).toContain(`config: ${t.path('c.json')}`);
    expect(out).toMatch(/^SERVER\s+SOURCE\s+STATE\s+TOOLS\s+STARTUP \(ms\)\s+ERROR \/ HINT$/m);

    const good = rowOf(out, 'good');
    expect(good.row).toMatch(/^good\s+file\s+ready\s+2\s+\d+$/);
    expect(good.hint).toBeUndefined();

    expect(rowOf(out, 'ghost').row).toMatch(/failed\s+0\s+-\s+.*ENOENT/);
    expect(rowOf(out, 'ghost').hint).toBe('command not found: definitely-not-a-command-xyz; install it or use an absolute path');
    expect(rowOf(out, 'npx').hint).toBe('command not found: npx; is Node on PATH?');
    const quitter = rowOf(out, 'quitter');
    expect(quitter.row).toMatch(/failed/);
    expect(quitter.row).toContain('stderr: exit-at-start-server: failing on purpose');
    expect(quitter.hint).toBe('the server exited at start (code 3); run its command by hand to see why');
    expect(rowOf(out, 'locked').hint).toBe(`not executable: ${t.path('not-executable.sh')}; make it executable (chmod +x) or run it through its interpreter`);
    expect(rowOf(out, 'slow').hint).toBe('did not answer initialize within 1500 ms; raise connectTimeoutMs (npx cold starts can be slow)');
    expect(rowOf(out, 'refused').row).toContain('ECONNREFUSED');
    expect(rowOf(out, 'refused').hint).toBe(`nothing listens at ${refusedUrl}; is the server running?`);
    expect(rowOf(out, 'denied').hint).toBe('the server refused the credentials (HTTP 401); check the headers/token');
    expect(rowOf(out, 'off').row).toMatch(/^off\s+file\s+disabled/);
    expect(rowOf(out, 'off').hint).toBeUndefined();

    expect(out).toMatch(/1 of 8 enabled servers ready; not ready: .*ghost/);
    // The header token is a secret: never printed.
    expect(out + result.stderr).not.toContain('wrong-token-value');
  });

  it('exits 0 when every enabled server is ready', async () => {
    const home = dir();
    const t = dir({
      'c.json': {
        mcpServers: {
          one: fixtureServerEntry('echo', { FIXTURE_NAME: 'one' }),
          two: fixtureServerEntry('echo', { FIXTURE_NAME: 'two' }),
          off: { command: 'x', disabled: true },
        },
      },
    });
    const result = await runCli(['doctor', '-c', t.path('c.json')], { env: cleanEnv(home.dir) });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(rowOf(result.stdout, 'one').row).toMatch(/ready\s+2\s+\d+$/);
    expect(rowOf(result.stdout, 'two').row).toMatch(/ready\s+2\s+\d+$/);
    expect(result.stdout).toContain('all 2 enabled servers ready');
    // Quiet by default: the report is the output.
    expect(result.stderr).toBe('');
  });

  it('exits 2 with the same message as the proxy for a broken config', async () => {
    const home = dir();
    const t = dir({ 'c.json': '{\n  "mcpServers": {\n    "a": { "command": "x", }\n  }\n}\n' });
    const result = await runCli(['doctor', '--config', t.path('c.json')], { env: cleanEnv(home.dir) });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${t.path('c.json')}:3:`);
    expect(result.stderr).toContain('invalid JSON');
  });
});

describe('failureHint', () => {
  it.each([
    [{ transport: 'stdio', command: 'npx', error: 'command not found: npx (spawn npx ENOENT)' }, 'command not found: npx; is Node on PATH?'],
    [{ transport: 'stdio', command: 'uvx', errors: [Object.assign(new Error('spawn uvx ENOENT'), { code: 'ENOENT' })] }, /is uv installed/],
    [
      { transport: 'stdio', command: '/opt/x', error: 'spawn /opt/x EACCES' },
      'not executable: /opt/x; make it executable (chmod +x) or run it through its interpreter',
    ],
    [
      { transport: 'stdio', command: 'node', error: 'Connection closed', exitCode: 1 },
      'the server exited at start (code 1); run its command by hand to see why',
    ],
    [
      { transport: 'stdio', command: 'node', error: 'did not connect and initialize within 60000 ms', exitCode: null, exitSignal: 'SIGTERM' },
      /within 60000 ms; raise connectTimeoutMs/,
    ],
    [
      { transport: 'streamable-http', url: 'http://h:1/mcp', errors: [Object.assign(new Error('Error POSTing'), { code: 401 })] },
      'the server refused the credentials (HTTP 401); check the headers/token',
    ],
    [{ transport: 'sse', url: 'http://h:1/sse', error: 'SSE error: Non-200 status code (403)' }, /HTTP 403/],
    [
      {
        transport: 'streamable-http',
        url: 'http://127.0.0.1:9/mcp?key=s',
        errors: [new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) })],
      },
      'nothing listens at http://127.0.0.1:9/mcp; is the server running?',
    ],
    [
      { transport: 'streamable-http', url: 'https://nope.invalid/mcp', error: 'getaddrinfo ENOTFOUND nope.invalid' },
      'host not found: nope.invalid; check the url',
    ],
    [{ transport: 'stdio', command: 'node', cwd: '/missing', error: 'working directory not found: /missing' }, /working directory does not exist: \/missing/],
    [
      { transport: 'streamable-http', url: 'https://h/mcp', error: 'server "x" refused the connection (HTTP 401) and publishes no OAuth metadata' },
      'the server refused the credentials (HTTP 401); check the headers/token',
    ],
    [
      { transport: 'streamable-http', url: 'https://h/mcp', error: 'server "gh" needs an OAuth login (not logged in); run: mcp-switchboard auth gh' },
      'the server needs an OAuth login; run: mcp-switchboard auth gh',
    ],
  ] as const)('%j → %s', (facts, expected) => {
    const hint = failureHint({ ...facts, errors: 'errors' in facts ? [...facts.errors] : [] });
    if (typeof expected === 'string') expect(hint).toBe(expected);
    else expect(hint).toMatch(expected);
  });

  it('gives no hint for a failure it does not recognise', () => {
    expect(failureHint({ transport: 'stdio', command: 'node', error: 'tools/list failed: something odd' })).toBeUndefined();
  });
});
