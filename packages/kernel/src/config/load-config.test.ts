import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SwitchboardAggregateError, SwitchboardError } from '@mcp-switchboard/plugin-api';
import { loadConfig, type LoadConfigOptions } from './load-config.js';
import { unsetVariablesOf } from './unset-server-variables.js';
import { removeTempDirs, tempDir, writeFiles } from '../../test/helpers.js';

afterAll(removeTempDirs);

/** Loads with the search fenced into `root`, so nothing outside the test's folders is ever found. */
async function load(root: string, options: Partial<LoadConfigOptions> = {}) {
  return loadConfig({ cwd: root, env: {}, stopDir: root, globalConfigDir: join(root, 'no-global'), ...options });
}

async function failure(promise: Promise<unknown>): Promise<SwitchboardError | SwitchboardAggregateError> {
  try {
    await promise;
  } catch (error) {
    return error as SwitchboardError;
  }
  throw new Error('expected a failure');
}

const server = { command: 'node', args: ['server.js'] };

describe('config discovery', () => {
  it('finds switchboard.config.json in cwd', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: { a: server } } });
    const { config, filepath } = await load(root);
    expect(filepath).toBe(join(root, 'switchboard.config.json'));
    expect(config.mcpServers).toEqual({ a: server });
  });

  it('finds a config in a parent folder (.switchboardrc.yaml)', async () => {
    const root = await tempDir();
    await writeFiles(root, { '.switchboardrc.yaml': 'mcpServers:\n  up:\n    command: node\n', 'a/b/.keep': '' });
    const { config, filepath } = await load(root, { cwd: join(root, 'a', 'b') });
    expect(filepath).toBe(join(root, '.switchboardrc.yaml'));
    expect(Object.keys(config.mcpServers)).toEqual(['up']);
  });

  it('finds package.json#switchboard', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'package.json': { name: 'x', switchboard: { mcpServers: { p: server } } } });
    const { config } = await load(root);
    expect(Object.keys(config.mcpServers)).toEqual(['p']);
  });

  it('falls back to the user config dir, and a project config beats it', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'global/config.json': { mcpServers: { g: server } }, 'project/.keep': '' });
    const globalConfigDir = join(root, 'global');
    const found = await load(join(root, 'project'), { globalConfigDir });
    expect(found.filepath).toBe(join(globalConfigDir, 'config.json'));
    expect(Object.keys(found.config.mcpServers)).toEqual(['g']);

    await writeFiles(root, { 'project/switchboard.config.json': { mcpServers: { local: server } } });
    const local = await load(join(root, 'project'), { globalConfigDir });
    expect(Object.keys(local.config.mcpServers)).toEqual(['local']);
  });

  it('honours XDG_CONFIG_HOME from the given env for the user config dir', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'xdg/switchboard/switchboard.config.yaml': 'mcpServers:\n  x:\n    command: node\n', 'p/.keep': '' });
    const { filepath } = await loadConfig({ cwd: join(root, 'p'), stopDir: join(root, 'p'), env: { XDG_CONFIG_HOME: join(root, 'xdg') } });
    expect(filepath).toBe(join(root, 'xdg', 'switchboard', 'switchboard.config.yaml'));
  });

  it('loads a Claude Desktop config given with --config, keeping its other keys', async () => {
    const root = await tempDir();
    const claude = { globalShortcut: 'Ctrl+Space', mcpServers: { memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] } } };
    await writeFiles(root, { 'Claude/claude_desktop_config.json': claude, 'switchboard.config.json': { mcpServers: {} } });
    const { config, filepath } = await load(root, { configFile: 'Claude/claude_desktop_config.json' });
    expect(filepath).toBe(join(root, 'Claude', 'claude_desktop_config.json'));
    expect(config.mcpServers.memory?.args).toEqual(['-y', '@modelcontextprotocol/server-memory']);
    expect((config as Record<string, unknown>).globalShortcut).toBe('Ctrl+Space');
  });

  it('uses SWITCHBOARD_CONFIG when no --config is given', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'elsewhere.json': { mcpServers: { e: server } } });
    const { config } = await load(root, { env: { SWITCHBOARD_CONFIG: join(root, 'elsewhere.json') } });
    expect(Object.keys(config.mcpServers)).toEqual(['e']);
  });

  it('reports a missing --config file as SWB_CONFIG_NOT_FOUND', async () => {
    const root = await tempDir();
    const error = await failure(load(root, { configFile: 'nope.json' }));
    expect(error.code).toBe('SWB_CONFIG_NOT_FOUND');
    expect(error.message).toContain(join(root, 'nope.json'));
  });

  it('without a file: an error listing where it looked when required, else the defaults', async () => {
    const root = await tempDir();
    const error = await failure(load(root, { required: true }));
    expect(error.code).toBe('SWB_CONFIG_NOT_FOUND');
    expect(error.message).toContain(root);
    expect(error.message).toContain(join(root, 'no-global'));
    expect(error.message).toContain('switchboard.config.{json,yaml,yml,mjs,js,cjs}');

    const { config, filepath } = await load(root);
    expect(filepath).toBeUndefined();
    expect(config.mcpServers).toEqual({});
    expect(config.namespace).toEqual({ mode: 'always', separator: '__', maxLength: 64 });
  });
});

describe('parse errors', () => {
  it('names the file and line:column of invalid JSON', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': '{\n  "mcpServers": {\n    "a": { "command": "x", }\n  }\n}\n' });
    const error = await failure(load(root));
    expect(error.code).toBe('SWB_CONFIG_PARSE');
    expect(error.message).toContain(`${join(root, 'switchboard.config.json')}:3:28: invalid JSON`);
  });

  it('names the line of invalid YAML', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.yaml': 'mcpServers:\n  a:\n    command: [unclosed\n' });
    const error = await failure(load(root));
    expect(error.code).toBe('SWB_CONFIG_PARSE');
    expect(error.message).toMatch(/switchboard\.config\.yaml:4:1: invalid YAML/);
  });

  it('reports a .mjs config that throws', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.mjs': 'throw new Error("boom in config");\n' });
    const error = await failure(load(root));
    expect(error.code).toBe('SWB_CONFIG_PARSE');
    expect(error.message).toContain('boom in config');
  });
});

describe('interpolation', () => {
  it('replaces ${VAR} and ${env:VAR}; $${ stays literal', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { mcpServers: { gh: { command: '${CMD}', args: ['--token=${env:TOKEN}', '$${NOT_A_VAR}'] } } },
    });
    const { config } = await load(root, { env: { CMD: 'node', TOKEN: 't0k' } });
    expect(config.mcpServers.gh).toEqual({ command: 'node', args: ['--token=t0k', '${NOT_A_VAR}'] });
  });

  it('reports every missing variable outside mcpServers with its JSON path, and nothing else', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { logFile: '${LOG_DIR}/switchboard.log', http: { authToken: '${API_TOKEN}' }, mcpServers: {} },
    });
    const error = await failure(load(root));
    expect(error).toBeInstanceOf(SwitchboardAggregateError);
    const errors = (error as SwitchboardAggregateError).errors as SwitchboardError[];
    expect(errors.map((e) => e.code)).toEqual(['SWB_CONFIG_ENV_MISSING', 'SWB_CONFIG_ENV_MISSING']);
    expect(errors[0]!.message).toContain('logFile: environment variable LOG_DIR is not set');
    expect(errors[1]!.message).toContain('http.authToken: environment variable API_TOKEN is not set');
  });

  it('a missing variable inside one server marks that server only (a stand-in when the value was required)', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': {
        mcpServers: {
          github: { command: '${GH_CMD}', env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } },
          off: { command: 'node', env: { KEY: '${OFF_KEY}' }, disabled: true },
          fine: { command: 'node' },
        },
      },
    });
    const { config } = await load(root);
    expect(unsetVariablesOf(config.mcpServers.github)).toEqual([
      { variable: 'GH_CMD', at: 'mcpServers.github.command' },
      { variable: 'GITHUB_TOKEN', at: 'mcpServers.github.env.GITHUB_TOKEN' },
    ]);
    expect(unsetVariablesOf(config.mcpServers.off)).toEqual([{ variable: 'OFF_KEY', at: 'mcpServers.off.env.KEY' }]);
    expect(config.mcpServers.off?.disabled).toBe(true);
    expect(unsetVariablesOf(config.mcpServers.fine)).toBeUndefined();
  });
});

describe('precedence and validation', () => {
  it('override > file > app default > schema default, objects merged deeply', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { startupBudgetMs: 5, pageSize: 10, namespace: { mode: 'never' }, logLevel: 'warn' },
    });
    const { config } = await load(root, {
      defaults: { logLevel: 'info', port: 12006, pageSize: 99 },
      overrides: { startupBudgetMs: 7, namespace: { separator: '--' }, host: undefined },
    });
    expect(config.startupBudgetMs).toBe(7); // override beats file
    expect(config.pageSize).toBe(10); // file beats app default
    expect(config.logLevel).toBe('warn');
    expect(config.port).toBe(12006); // app default when the file is silent
    expect(config.namespace).toEqual({ mode: 'never', separator: '--', maxLength: 64 }); // deep merge + schema default
    expect(config.timeouts.requestMs).toBe(60_000);
    expect('host' in config && config.host !== undefined).toBe(false);
  });

  it('reports all three problems of a config at once, each with file and path', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { mcpServers: { a: { command: 5 }, b: { args: [] }, c: { command: 'x', args: ['ok', 2] } } },
    });
    const error = await failure(load(root));
    expect(error).toBeInstanceOf(SwitchboardAggregateError);
    expect(error.exitCode).toBe(2);
    const messages = ((error as SwitchboardAggregateError).errors as SwitchboardError[]).map((e) => `${e.code} ${e.message}`);
    const file = join(root, 'switchboard.config.json');
    expect(messages).toEqual([
      `SWB_CONFIG_INVALID ${file}: mcpServers.a.command: expected string, received number`,
      `SWB_CONFIG_INVALID ${file}: mcpServers.b.command: a server needs a "command" (stdio) or a "url" (remote)`,
      `SWB_CONFIG_INVALID ${file}: mcpServers.c.args[1]: expected string, received number`,
    ]);
  });

  it('one problem is a plain SwitchboardError', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { port: 'eighty' } });
    const error = await failure(load(root));
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error.message).toContain('port: expected number, received string');
  });

  it('keeps plugin objects of a .mjs config intact', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.mjs': `const plugin = Object.freeze({ id: 'inline', kind: 'filter', apiVersion: '1.0.0', deps: {}, marker: '\${NOT_SET}', setup: () => ({}) });
export default { plugins: [plugin, 'other', ['third', { key: '\${K}' }]] };`,
    });
    const { config } = await load(root, { env: { K: 'v' } });
    const [plugin, name, tuple] = config.plugins as [Record<string, unknown>, string, [string, object]];
    expect(Object.isFrozen(plugin)).toBe(true);
    expect(plugin.marker).toBe('${NOT_SET}');
    expect(typeof plugin.setup).toBe('function');
    expect(name).toBe('other');
    expect(tuple).toEqual(['third', { key: 'v' }]);
  });

  it('an unknown profile names it and lists the existing ones (exit code 2)', async () => {
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': { mcpServers: { a: server }, profiles: { work: { servers: ['a'] }, home: { servers: [] } } },
    });
    const error = await failure(load(root, { overrides: { profile: 'play' } }));
    expect(error.code).toBe('SWB_PROFILE_UNKNOWN');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('"play"');
    expect(error.message).toContain('profiles: work, home');
    const { config } = await load(root, { overrides: { profile: 'work' } });
    expect(config.profile).toBe('work');
  });
});

describe('secrets', () => {
  it('tells the redactor every secret before validating, so even an error quoting one can be redacted', async () => {
    const { SecretRedactor } = await import('../secrets.js');
    const root = await tempDir();
    await writeFiles(root, {
      'switchboard.config.json': {
        mcpServers: {
          a: { command: 'node', args: ['--key=${ARG_KEY}'], env: { PLAIN: 'plain-env-value' } },
          b: { url: 'http://127.0.0.1:1/mcp', headers: { Authorization: 'Bearer header-token' } },
        },
        port: 'not a number',
      },
    });
    const secrets = new SecretRedactor();
    const error = await failure(load(root, { env: { ARG_KEY: 'interpolated-value' }, overrides: { http: { authToken: 'flag-token' } }, secrets }));
    expect(error.message).toContain('port');
    expect(secrets.redact('plain-env-value header-token interpolated-value flag-token')).toBe('**** **** **** ****');
  });
});
