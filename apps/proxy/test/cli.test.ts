import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cleanEnv, runCli, tempDir } from './helpers/cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function temp(files: Record<string, string | object> = {}) {
  const t = tempDir(files);
  cleanups.push(t.cleanup);
  return t;
}

describe('mcp-switchboard CLI (foundation)', () => {
  it('--help lists every flag with its env var and default', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    const expectations: Array<[string, string, string?]> = [
      ['--config', 'SWITCHBOARD_CONFIG'],
      ['--transport', 'SWITCHBOARD_TRANSPORT', 'default: "stdio"'],
      ['--port', 'SWITCHBOARD_PORT', 'default: 12006'],
      ['--host', 'SWITCHBOARD_HOST', 'default: "127.0.0.1"'],
      ['--profile', 'SWITCHBOARD_PROFILE'],
      ['--log-level', 'SWITCHBOARD_LOG_LEVEL', 'default: "info"'],
      ['--log-file', 'SWITCHBOARD_LOG_FILE'],
      ['--pluggedin-api-key', 'PLUGGEDIN_API_KEY'],
      ['--pluggedin-api-base-url', 'PLUGGEDIN_API_BASE_URL', 'default: "https://plugged.in"'],
    ];
    const flat = stdout.replace(/\s+/g, ' ');
    for (const [flag, envVar, def] of expectations) {
      const at = flat.indexOf(flag);
      expect(at, `${flag} missing from --help`).toBeGreaterThanOrEqual(0);
      const entry = flat.slice(at, flat.indexOf(')', flat.indexOf(`env: ${envVar}`, at)) + 1);
      expect(entry, `${flag} should name ${envVar}`).toContain(`env: ${envVar}`);
      if (def) expect(entry, `${flag} should show its default`).toContain(def);
    }
    expect(stdout).toContain('--help');
    expect(stdout).toContain('--version');
    expect(stdout).toContain('SWITCHBOARD_MCP_SERVERS');
  });

  it('--version prints the version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown flag exits 2 and says how to get help', async () => {
    const { code, stdout, stderr } = await runCli(['--no-such-flag']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--no-such-flag'");
    expect(stderr).toContain('--help');
    expect(stdout).toBe('');
  });

  it('invalid JSON config exits 2 naming the file and the position', async () => {
    const t = temp({ 'bad.json': '{\n  "mcpServers": {\n    "a": { "command": "x", }\n  }\n}\n' });
    const { code, stderr, stdout } = await runCli(['--config', t.path('bad.json')], { env: cleanEnv(t.dir) });
    expect(code).toBe(2);
    expect(stderr).toContain('SWB_CONFIG_PARSE');
    expect(stderr).toContain(t.path('bad.json'));
    expect(stderr).toMatch(/line 3|3:\d+/);
    expect(stdout).toBe('');
  });

  it('a schema error exits 2 naming the JSON path and what was expected', async () => {
    const t = temp({ 'c.json': { mcpServers: { a: { command: 'x', args: 'not-a-list' } } } });
    const { code, stderr } = await runCli(['--config', t.path('c.json')], { env: cleanEnv(t.dir) });
    expect(code).toBe(2);
    expect(stderr).toContain('SWB_CONFIG_INVALID');
    expect(stderr).toContain('mcpServers.a.args');
  });

  it('no config anywhere exits 2 and says where to put one', async () => {
    const t = temp();
    const { code, stderr } = await runCli([], { cwd: t.dir, env: cleanEnv(t.dir) });
    expect(code).toBe(2);
    expect(stderr).toContain('SWB_CONFIG_NOT_FOUND');
    expect(stderr).toContain('--config');
  });

  it('a missing ${VAR} outside mcpServers is an error naming it (inside one server, see first-run.test.ts)', async () => {
    const t = temp({ 'c.json': { http: { authToken: '${env:SWB_TEST_UNSET_TOKEN}' }, mcpServers: { a: { command: 'x' } } } });
    const { code, stderr } = await runCli(['--config', t.path('c.json')], { env: cleanEnv(t.dir) });
    expect(code).toBe(2);
    expect(stderr).toContain('SWB_TEST_UNSET_TOKEN');
  });

  it('precedence: flag beats env beats config file', async () => {
    const servers = {
      fromfile: fixtureServerEntry('echo'),
      fromenv: fixtureServerEntry('echo'),
      fromflag: fixtureServerEntry('echo'),
    };
    const t = temp({
      'c.json': {
        mcpServers: servers,
        profile: 'file',
        profiles: { file: { servers: ['fromfile'] }, env: { servers: ['fromenv'] }, flag: { servers: ['fromflag'] } },
      },
    });
    const serversListed = (stdout: string) => ['fromfile', 'fromenv', 'fromflag'].filter((s) => stdout.includes(`${s}__echo`));

    const fileOnly = await runCli(['list', '--config', t.path('c.json')], { env: cleanEnv(t.dir) });
    expect(fileOnly.code, fileOnly.stderr).toBe(0);
    expect(serversListed(fileOnly.stdout)).toEqual(['fromfile']);

    const envWins = await runCli(['list', '--config', t.path('c.json')], { env: cleanEnv(t.dir, { SWITCHBOARD_PROFILE: 'env' }) });
    expect(envWins.code, envWins.stderr).toBe(0);
    expect(serversListed(envWins.stdout)).toEqual(['fromenv']);

    const flagWins = await runCli(['list', '--config', t.path('c.json'), '--profile', 'flag'], {
      env: cleanEnv(t.dir, { SWITCHBOARD_PROFILE: 'env' }),
    });
    expect(flagWins.code, flagWins.stderr).toBe(0);
    expect(serversListed(flagWins.stdout)).toEqual(['fromflag']);
  });

  it('SWITCHBOARD_CONFIG names the config file', async () => {
    const t = temp({ 'c.json': { mcpServers: { viaenv: fixtureServerEntry('echo') } } });
    const { code, stdout, stderr } = await runCli(['list'], { cwd: t.dir, env: cleanEnv(t.dir, { SWITCHBOARD_CONFIG: t.path('c.json') }) });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('viaenv__echo');
  });
});
