// The first ten minutes with the CLI: what a new user types and what they should see.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fixturePath, fixtureServerEntry, startFakePluggedinApp } from '@mcp-switchboard/testing';
import { cleanEnv, cliPath, repoRoot, runCli, tempDir } from './helpers/cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function temp(files: Record<string, string | object> = {}) {
  const t = tempDir(files);
  cleanups.push(t.cleanup);
  return t;
}

describe('secrets on the command line', () => {
  it('--auth-token warns that the process list shows it; SWITCHBOARD_AUTH_TOKEN does not', async () => {
    const t = temp({ 'c.json': { mcpServers: { fault: fixtureServerEntry('fault') } } });
    const home = temp();
    const flag = await runCli(['list', '--config', t.path('c.json'), '--auth-token', 'tok-abcdef-123'], { env: cleanEnv(home.dir) });
    expect(flag.code).toBe(0);
    expect(flag.stderr).toContain('warning: --auth-token puts the secret in the process list');
    expect(flag.stderr).toContain('set SWITCHBOARD_AUTH_TOKEN instead');
    expect(flag.stderr).not.toContain('tok-abcdef-123');

    const env = await runCli(['list', '--config', t.path('c.json')], { env: cleanEnv(home.dir, { SWITCHBOARD_AUTH_TOKEN: 'tok-abcdef-123' }) });
    expect(env.code).toBe(0);
    expect(env.stderr).not.toContain('process list');
  });
});

describe('an unset ${VAR} in one server', () => {
  it('fails only that server (and a disabled one just gets an info line); the others serve', async () => {
    const t = temp({
      'c.json': {
        mcpServers: {
          good: fixtureServerEntry('fault'),
          github: { ...fixtureServerEntry('fault'), env: { GITHUB_TOKEN: '${GITHUB_TOKEN_UNSET}' } },
          remote: { type: 'http', url: '${REMOTE_URL_UNSET}' },
          parked: { ...fixtureServerEntry('fault'), env: { KEY: '${PARKED_KEY_UNSET}' }, disabled: true },
        },
      },
    });
    const home = temp();
    const list = await runCli(['list', '--config', t.path('c.json'), '--log-level', 'info'], { env: cleanEnv(home.dir) });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^good\s+file\s+ready/m);
    expect(list.stdout).toMatch(/^github\s+file\s+failed\s.*GITHUB_TOKEN_UNSET is not set \(used at mcpServers\.github\.env\.GITHUB_TOKEN/m);
    expect(list.stdout).toMatch(/^remote\s+file\s+failed\s.*REMOTE_URL_UNSET is not set/m);
    expect(list.stdout).toMatch(/^parked\s+file\s+disabled/m);
    expect(list.stdout).toContain('good__echo');
    expect(list.stderr).toContain('server \\"parked\\" is disabled; it uses PARKED_KEY_UNSET, which is not set');
    expect(list.stderr).toContain('server \\"github\\" will not start: GITHUB_TOKEN_UNSET is not set');

    const doctor = await runCli(['doctor', '--config', t.path('c.json')], { env: cleanEnv(home.dir) });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^github\s+file\s+failed\s.*GITHUB_TOKEN_UNSET is not set/m);
    expect(doctor.stdout).toContain('1 of 3 enabled servers ready; not ready: github, remote');
  });
});

describe('doctor is green only when everything is', () => {
  /** A port nothing listens on: bound, then closed again. */
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });

  it('a wrong plugged.in key (401) and an unreachable App are failed rows with the message, and exit 1', async () => {
    const app = await startFakePluggedinApp({
      servers: [
        {
          uuid: '00000000-0000-4000-8000-000000000001',
          name: 'echo',
          slug: 'echo',
          type: 'STDIO',
          command: process.execPath,
          args: [fixturePath('echo')],
          env: {},
        },
      ],
    });
    const home = temp();
    try {
      const good = await runCli(['doctor', '--pluggedin-api-key', app.apiKey, '--pluggedin-api-base-url', app.url], { env: cleanEnv(home.dir), cwd: home.dir });
      expect(good.code, good.stdout + good.stderr).toBe(0);
      expect(good.stdout).not.toContain('(config source)');

      const wrongKey = await runCli(['doctor', '--pluggedin-api-key', 'pg_in_wrong_key_123', '--pluggedin-api-base-url', app.url], {
        env: cleanEnv(home.dir),
        cwd: home.dir,
      });
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stdout).toMatch(/^\(config source\)\s+pluggedin-source\s+failed\s.*401: Invalid API key/m);
      expect(wrongKey.stdout).toContain('config source failed: pluggedin-source');
      expect(wrongKey.stdout).not.toContain('pg_in_wrong_key_123');
    } finally {
      await app.stop();
    }
    const unreachable = await runCli(
      ['doctor', '--pluggedin-api-key', 'pg_in_any_key_456', '--pluggedin-api-base-url', `http://127.0.0.1:${await closedPort()}`],
      {
        env: cleanEnv(home.dir),
        cwd: home.dir,
      },
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toMatch(/^\(config source\)\s+pluggedin-source\s+failed\s.*\S/m);
  });
});

describe('from a fresh clone', () => {
  it('the bin target is a committed, executable file, so npm links it at install time (before any build)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'apps/proxy/package.json'), 'utf8')) as { bin: Record<string, string> };
    const target = join('apps/proxy', manifest.bin['mcp-switchboard']!);
    const tracked = execFileSync('git', ['ls-files', '--stage', '--', target], { cwd: repoRoot, encoding: 'utf8' });
    expect(tracked, `${target} is not committed`).toMatch(/^100755 /);
    expect(statSync(join(repoRoot, target)).mode & 0o111).not.toBe(0);
    // And it runs the CLI.
    const help = execFileSync(process.execPath, [join(repoRoot, target), '--version'], { encoding: 'utf8' });
    expect(help.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('`--help | head -1`: a reader that leaves early gets no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [cliPath, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // like `head -1` after its line: the pipe is closed before the help is written
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });

  it("`npm start` writes nothing but the protocol to stdout, apart from npm's own banner", { timeout: 180_000 }, async () => {
    const child = spawn('npm', ['start'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`,
    );
    await expect.poll(() => stdout, { timeout: 170_000 }).toContain('"id":1');
    child.stdin.end();
    await new Promise((resolve) => child.on('close', resolve));
    // npm prints "> pkg@version start" and "> command" before any script runs (`npm start --silent` drops them).
    const foreign = stdout.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('> ') && !line.startsWith('{'));
    expect(foreign, `stderr:\n${stderr.slice(-2000)}`).toEqual([]);
    for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line)).not.toThrow();
  });
});

/** The top-level keys of one JSON object line, repeats included (JSON.parse would keep only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '"') {
      let end = i + 1;
      while (line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (depth === 1 && /^\s*:/.test(line.slice(end + 1))) keys.push(JSON.parse(line.slice(i, end + 1)) as string);
      i = end;
    } else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
  }
  return keys;
}

describe('log lines', () => {
  it('carry each key once (no "server" or "pid" twice)', async () => {
    const t = temp({ 'c.json': { mcpServers: { fault: fixtureServerEntry('fault'), gone: { command: process.execPath, args: ['-e', 'process.exit(3)'] } } } });
    const home = temp();
    const result = await runCli(['list', '--config', t.path('c.json'), '--log-level', 'debug'], { env: cleanEnv(home.dir) });
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.some((line) => line.includes('"server":"fault"'))).toBe(true);
    for (const line of lines) {
      const keys = topLevelKeys(line);
      expect(
        keys.filter((key, i) => keys.indexOf(key) !== i),
        line,
      ).toEqual([]);
    }
  });
});

describe('plugged.in servers are named like their tools', () => {
  it('list and logs show the slug; the UUID is a detail', async () => {
    const uuid = '0f0f0f0f-1111-4222-8333-444455556666';
    const app = await startFakePluggedinApp({
      servers: [{ uuid, name: 'My Echo', slug: 'my-echo', type: 'STDIO', command: process.execPath, args: [fixturePath('echo')], env: {} }],
    });
    const home = temp();
    try {
      const list = await runCli(['list', '--pluggedin-api-key', app.apiKey, '--pluggedin-api-base-url', app.url, '--log-level', 'info'], {
        env: cleanEnv(home.dir),
        cwd: home.dir,
      });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^my-echo\\s+pluggedin \\(uuid ${uuid}\\)\\s+ready`, 'm'));
      expect(list.stdout).toMatch(/^my-echo\s+tool\s+my-echo__echo/m);
      expect(list.stderr).toContain('server \\"my-echo\\" ready');
      expect(list.stderr).not.toContain(`"server":"${uuid}"`);
    } finally {
      await app.stop();
    }
  });
});

describe('list and doctor output', () => {
  it("`list` keeps servers' stderr out of the table unless asked (--log-level debug)", async () => {
    const t = temp({ 'c.json': { mcpServers: { fault: fixtureServerEntry('fault') } } });
    const home = temp();
    const plain = await runCli(['list', '--config', t.path('c.json')], { env: cleanEnv(home.dir) });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('fault__echo');
    expect(plain.stderr).not.toContain('"stream":"stderr"');
    const debug = await runCli(['list', '--config', t.path('c.json'), '--log-level', 'debug'], { env: cleanEnv(home.dir) });
    expect(debug.stderr).toContain('"stream":"stderr"');
  });

  it('doctor on an npx typo shows npm\'s 404 line, not its closing "A complete log" line', async () => {
    // What `npx -y @modelcontextprotocol/server-memroy` prints (no network needed to say it).
    const npm = [
      'npm error code E404',
      'npm error 404 Not Found - GET https://registry.npmjs.org/@modelcontextprotocol%2fserver-memroy - Not found',
      'npm error 404',
      "npm error 404  '@modelcontextprotocol/server-memroy@*' is not in this registry.",
      'npm error 404',
      'npm error 404 Note that you can also install from a',
      'npm error 404 tarball, folder, http url, or git url.',
      'npm error A complete log of this run can be found in: /home/me/.npm/_logs/2026-01-01T00_00_00_000Z-debug-0.log',
    ];
    const t = temp({
      'c.json': { mcpServers: { memory: { command: process.execPath, args: ['-e', `console.error(${JSON.stringify(npm.join('\n'))}); process.exit(1)`] } } },
    });
    const home = temp();
    const doctor = await runCli(['doctor', '--config', t.path('c.json')], { env: cleanEnv(home.dir) });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('stderr: npm error 404 Not Found - GET https://registry.npmjs.org/@modelcontextprotocol%2fserver-memroy');
    expect(doctor.stdout).not.toContain('A complete log');
  });
});

describe('mistakes on the command line and in the config are named where they are', () => {
  it('--port 99999 is blamed on the flag, not the config file', async () => {
    const t = temp({ 'c.json': { mcpServers: {} } });
    const result = await runCli(['list', '--config', t.path('c.json'), '--port', '99999'], { env: cleanEnv(t.dir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SWB_USAGE: --port (SWITCHBOARD_PORT) must be a port number from 0 to 65535, got "99999"');
    expect(result.stderr).not.toContain('c.json');
  });

  it('an empty --pluggedin-api-key is one error', async () => {
    const home = temp();
    const result = await runCli(['list', '--pluggedin-api-key', ''], { env: cleanEnv(home.dir), cwd: home.dir });
    expect(result.code).toBe(2);
    expect(result.stderr.match(/is empty/g)).toHaveLength(1);
    expect(result.stderr).toContain('SWB_USAGE: --pluggedin-api-key is empty');
  });

  it('`lsit` gets "did you mean list"', async () => {
    const result = await runCli(['lsit']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "lsit" (did you mean "list"?)');
  });

  it('`list --help` and `doctor --help` show the global flags; `--help` says "Commands" once', async () => {
    for (const command of ['list', 'doctor']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--config <file>');
      expect(help.stdout).toContain('--log-level <level>');
    }
    const top = await runCli(['--help']);
    expect(top.stdout.match(/Commands/g)).toHaveLength(1);
  });

  it('a misspelt top-level key ("mcpServer") is warned about with the right name; other apps\' keys are not', async () => {
    const t = temp({ 'c.json': { mcpServer: { a: fixtureServerEntry('echo') }, globalShortcut: 'Ctrl+Space' } });
    const result = await runCli(['list', '--config', t.path('c.json')], { env: cleanEnv(t.dir) });
    expect(result.stderr).toContain('unknown config key \\"mcpServer\\" is ignored; did you mean \\"mcpServers\\"?');
    expect(result.stderr).not.toContain('globalShortcut');
  });
});

describe('switchboard-fake-pluggedin: the plugged.in path without an account', () => {
  it('serves a demo server that `mcp-switchboard list` shows, with the key and URL it prints', async () => {
    const bin = join(repoRoot, 'packages/testing/bin/switchboard-fake-pluggedin.js');
    const fake = spawn(process.execPath, [bin, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => void fake.kill('SIGTERM'));
    let out = '';
    fake.stdout.on('data', (d) => (out += d));
    await expect.poll(() => out, { timeout: 20_000 }).toContain('Ctrl+C stops it');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const key = /API key: (\S+)/.exec(out)![1]!;
    expect(out).toContain(`PLUGGEDIN_API_KEY=${key} mcp-switchboard list --pluggedin-api-base-url ${url}`);
    const home = temp();
    const list = await runCli(['list', '--pluggedin-api-base-url', url], { env: cleanEnv(home.dir, { PLUGGEDIN_API_KEY: key }), cwd: home.dir });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^demo-echo\s+tool\s+demo-echo__echo/m);
  });
});

describe('mcp-switchboard init', () => {
  it('finds client configs, writes the Switchboard config, dry-runs the client files, then --apply writes them with backups', async () => {
    const home = temp();
    const echo = fixtureServerEntry('echo');
    const claudeFile = join(home.dir, '.config/Claude/claude_desktop_config.json');
    const cursorFile = join(home.dir, '.cursor/mcp.json');
    const claude = { globalShortcut: 'Ctrl+Space', mcpServers: { echo, old: { command: 'npx', args: ['-y', 'mcp-switchboard'] } } };
    const cursor = { mcpServers: { echo, other: { ...echo, env: { FIXTURE_NAME: 'other', API_KEY: 'sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2' } } } };
    const { mkdirSync, writeFileSync, readdirSync } = await import('node:fs');
    mkdirSync(join(home.dir, '.config/Claude'), { recursive: true });
    mkdirSync(join(home.dir, '.cursor'));
    writeFileSync(claudeFile, JSON.stringify(claude));
    writeFileSync(cursorFile, JSON.stringify(cursor));
    const env = cleanEnv(home.dir);
    const sbConfig = join(home.dir, '.config/switchboard/switchboard.config.json');

    const dry = await runCli(['init'], { env, cwd: home.dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Claude Desktop: ${claudeFile}\n    1 server: echo (already runs Switchboard: old)`);
    expect(dry.stdout).toContain(`Cursor: ${cursorFile}\n    2 servers: echo, other`);
    expect(dry.stdout).toContain(`Wrote ${sbConfig} with 2 servers: echo (Claude Desktop), other (Cursor)`);
    expect(dry.stdout).toContain('Dry run: no client config was changed');
    expect(dry.stdout).not.toContain('Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2');
    expect(JSON.parse(readFileSync(claudeFile, 'utf8'))).toEqual(claude);
    expect(JSON.parse(readFileSync(cursorFile, 'utf8'))).toEqual(cursor);
    expect(Object.keys(JSON.parse(readFileSync(sbConfig, 'utf8')).mcpServers)).toEqual(['echo', 'other']);

    // The written config serves both servers.
    const list = await runCli(['list', '--config', sbConfig], { env });
    expect(list.stdout).toMatch(/^echo\s+file\s+ready/m);
    expect(list.stdout).toMatch(/^other\s+file\s+ready/m);

    const apply = await runCli(['init', '--apply', '--force'], { env, cwd: home.dir });
    expect(apply.code, apply.stderr).toBe(0);
    const entry = { command: 'npx', args: ['-y', 'mcp-switchboard', '--config', sbConfig] };
    expect(JSON.parse(readFileSync(claudeFile, 'utf8'))).toEqual({ globalShortcut: 'Ctrl+Space', mcpServers: { switchboard: entry } });
    expect(JSON.parse(readFileSync(cursorFile, 'utf8'))).toEqual({ mcpServers: { switchboard: entry } });
    const backups = readdirSync(join(home.dir, '.cursor')).filter((name) => name.startsWith('mcp.json.switchboard-backup-'));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(home.dir, '.cursor', backups[0]!), 'utf8'))).toEqual(cursor);

    // Running it again without --force refuses to overwrite the Switchboard config.
    writeFileSync(cursorFile, JSON.stringify(cursor));
    const again = await runCli(['init'], { env, cwd: home.dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists already');
  });
});
