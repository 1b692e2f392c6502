import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cleanEnv, cliPath, repoRoot, runCli, tempDir } from './helpers/cli.js';
import { startHttpProxy } from './helpers/http-proxy.js';

/** Every secret of the run; none may ever be printed. */
const ENV_SECRET = 'SECRET_VALUE_123';
const HEADER_SECRET = 'HEADER_TOKEN_456';
const INTERPOLATED_SECRET = 'INTERP_SECRET_789';
const AUTH_TOKEN = 'AUTH_TOKEN_abcdef0123';
const secrets = [ENV_SECRET, HEADER_SECRET, INTERPOLATED_SECRET, AUTH_TOKEN];

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A remote MCP server at its worst: it refuses the token and quotes the Authorization header it got back in
 * its error body, which ends up in the error message of the failed connection.
 */
let remoteUrl: string;
beforeAll(async () => {
  const server: Server = createServer((req, res) => {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: `token rejected: ${String(req.headers.authorization)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  remoteUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A config with a secret in an env value, a header and an interpolated argument, plus a server that prints its env. */
function setup() {
  const home = tempDir();
  const good = fixtureServerEntry('echo', { API_TOKEN: ENV_SECRET });
  const t = tempDir({
    'c.json': {
      // One start attempt: a failing server is "failed" at once instead of retrying with backoff.
      supervision: { maxFailures: 1 },
      mcpServers: {
        good: { ...good, args: [...good.args, '--api-key=${ARG_SECRET}'] },
        // Prints its secret env value to stderr (which the proxy logs) and exits before speaking MCP.
        leaky: {
          command: process.execPath,
          args: ['-e', "process.stderr.write('my token is ' + process.env.LEAKY_TOKEN + '\\n'); process.exitCode = 3;"],
          env: { LEAKY_TOKEN: ENV_SECRET },
        },
        remote: { type: 'http', url: remoteUrl, headers: { Authorization: `Bearer ${HEADER_SECRET}` } },
      },
    },
  });
  cleanups.push(home.cleanup, t.cleanup);
  return { file: t.path('c.json'), dir: t.dir, env: cleanEnv(home.dir, { ARG_SECRET: INTERPOLATED_SECRET }) };
}

function expectNoSecret(what: string, text: string): void {
  for (const secret of secrets) expect(text.includes(secret), `${what} contains ${secret}:\n${text.slice(0, 4000)}`).toBe(false);
}

describe('secrets never reach logs or diagnostic output', () => {
  it('stdio mode at trace level: stderr and the log file show **** where a secret was', async () => {
    const { file, dir, env } = setup();
    const logFile = `${dir}/switchboard.log`;
    for (const logArgs of [[], ['--log-file', logFile]]) {
      const child = spawn(process.execPath, [cliPath, '--config', file, '--log-level', 'trace', ...logArgs], {
        cwd: repoRoot,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      cleanups.push(() => child.kill('SIGKILL'));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'r', version: '1' } },
      });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'good__echo', arguments: { text: 'hi' } } });
      await expect.poll(() => stdout, { timeout: 20_000 }).toContain('"id":3');
      const logs = () => (logArgs.length ? readFileSync(logFile, 'utf8') : stderr);
      // The leaky server's stderr line was logged, redacted; the remote's refusal too.
      await expect.poll(() => logs(), { timeout: 20_000 }).toContain('my token is ****');
      await expect.poll(() => logs(), { timeout: 20_000 }).toMatch(/remote[^\n]*failed to start/);
      child.stdin.end();
      expect(await exited).toBe(0);

      const text = logs();
      // The lines were really written at trace level (the process start line logs the interpolated argument).
      expect(text).toContain('"msg":"server process started"');
      expect(text).toContain('--api-key=****');
      expectNoSecret('stdout', stdout);
      expectNoSecret('stderr', stderr);
      expectNoSecret('log', text);
      // Scrubbing keeps every log line valid JSON (the start-up summary is the one plain-text line).
      for (const line of text.split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line), line).not.toThrow();
    }
  });

  it('HTTP mode: the auth token is never logged; /health?detail=1 needs it and shows redacted errors', async () => {
    const { file, env } = setup();
    const proxy = await startHttpProxy(['--config', file, '--log-level', 'trace', '--auth-token', AUTH_TOKEN], env as Record<string, string>);
    cleanups.push(() => proxy.stop());
    expect((await fetch(`${proxy.base}/health?detail=1`)).status).toBe(401);
    const wrong = await fetch(`${proxy.base}/health?detail=1`, { headers: { Authorization: `Bearer ${AUTH_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const detail = async () => {
      const response = await fetch(`${proxy.base}/health?detail=1`, { headers: { Authorization: `Bearer ${AUTH_TOKEN}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as { status: string; servers: Array<{ id: string; state: string; error?: string }> };
    };
    await expect.poll(async () => (await detail()).servers.find((s) => s.id === 'remote')?.state, { timeout: 20_000 }).toBe('failed');
    const body = await detail();
    expect(body.status).toBe('ok');
    expect(body.servers.map((s) => s.id).sort()).toEqual(['good', 'leaky', 'remote']);
    expectNoSecret('/health?detail=1', JSON.stringify(body));
    await proxy.stop();
    expectNoSecret('stderr', proxy.stderr());
    expect(proxy.stderr()).toContain('my token is ****');
  });

  it('list and doctor print no secret, even quoting what a failing server said', async () => {
    const { file, env } = setup();
    const list = await runCli(['list', '--config', file, '--log-level', 'trace'], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('good__echo');
    expectNoSecret('list stdout', list.stdout);
    expectNoSecret('list stderr', list.stderr);
    expect(list.stderr).toContain('my token is ****');

    const doctor = await runCli(['doctor', '--config', file, '--log-level', 'trace'], { env });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('stderr: my token is ****');
    expect(doctor.stdout).toMatch(/^remote .*failed/m);
    expectNoSecret('doctor stdout', doctor.stdout);
    expectNoSecret('doctor stderr', doctor.stderr);
  });

  it('a config error quoting a secret prints it redacted', async () => {
    const home = tempDir();
    // The secret pasted where plugin options belong: the schema error quotes the value it got.
    const t = tempDir({ 'c.json': { mcpServers: { bad: { command: 'x', env: { TOKEN: ENV_SECRET } } }, plugins: [['some-plugin', ENV_SECRET]] } });
    cleanups.push(home.cleanup, t.cleanup);
    const result = await runCli(['--config', t.path('c.json')], { env: cleanEnv(home.dir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('but the options are the string "****", not an object');
    expectNoSecret('stderr', result.stderr);
  });

  it('credentials inside strings: a connection string in args and tokens a server prints are masked everywhere', async () => {
    const home = tempDir();
    const password = 'PgPass_w0rd_77';
    const printed = {
      github: 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
      openai: 'sk-proj-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2',
      slack: 'xoxb-' + '123456789012-abcdefABCDEF',
      jwt: 'eyJhbGciOiJIUzI1NiJ9.' + 'eyJzdWIiOiIxMjM0NTY3ODkwIn0.' + 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      bearer: 'Bearer ' + 'opaque0token0from0the0server',
    };
    // Echoes its own command line and some tokens of its own on stderr, as servers do when they start.
    const script = `process.stderr.write('args: ' + process.argv.slice(1).join(' ') + '\\n'); process.stderr.write(${JSON.stringify(Object.values(printed).join(' '))} + '\\n'); process.exitCode = 3;`;
    const t = tempDir({
      'c.json': {
        supervision: { maxFailures: 1 },
        mcpServers: {
          pg: { command: process.execPath, args: ['-e', script, `postgresql://app:${password}@127.0.0.1:5432/db`, '--password', 'flag-pass-1234'] },
        },
      },
    });
    cleanups.push(home.cleanup, t.cleanup);
    const hidden = [password, 'flag-pass-1234', ...Object.values(printed), 'opaque0token0from0the0server'];
    for (const command of ['doctor', 'list']) {
      const result = await runCli([command, '--config', t.path('c.json'), '--log-level', 'debug'], { env: cleanEnv(home.dir) });
      const output = result.stdout + result.stderr;
      expect(output).toContain('postgresql://app:****@127.0.0.1:5432/db');
      expect(output).toContain('Bearer ****');
      for (const secret of hidden) expect(output.includes(secret), `${command} shows ${secret}:\n${output.slice(0, 4000)}`).toBe(false);
    }
  });
});
