// `mcp-switchboard create-plugin`: each kind is scaffolded into a folder under <repo>/tmp (git-ignored, so the
// workspace's @mcp-switchboard/* packages stand in for the published ones), then type-checked with the
// scaffold's own tsconfig, built, imported, and its generated test run with vitest: `npm install && npm test`
// in the scaffold, minus the install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { apiVersion, isSwitchboardPlugin, pluginKinds, type SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPlugin, installedVersions, npmNameProblem, pluginNames, registerCreatePluginCommand } from '../src/commands/create-plugin.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const workspaceVersion = (pkg: string) => (JSON.parse(readFileSync(join(repoRoot, 'packages', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const pluginApiVersion = workspaceVersion('plugin-api');
const testingVersion = workspaceVersion('testing');

let base: string;
beforeAll(() => {
  mkdirSync(join(repoRoot, 'tmp'), { recursive: true });
  base = mkdtempSync(join(repoRoot, 'tmp', 'create-plugin-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let counter = 0;
const freshDir = () => {
  const dir = join(base, `run-${++counter}`);
  mkdirSync(dir);
  return dir;
};

/** Type-checks a scaffold with its own tsconfig; `emit` builds it with tsconfig.build.json. */
function compileScaffold(dir: string, configName: 'tsconfig.json' | 'tsconfig.build.json'): string[] {
  const configFile = join(dir, configName);
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) return [ts.flattenDiagnosticMessageText(read.error.messageText, '\n')];
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dir, undefined, configFile);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  if (!parsed.options.noEmit) diagnostics.push(...program.emit().diagnostics);
  return diagnostics
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return message;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${relative(dir, d.file.fileName)}:${line + 1}:${character + 1} ${message}`;
    });
}

/** Runs the scaffold's tests the way `npm test` does (vitest run), with a JSON report. */
function runScaffoldTests(dir: string) {
  const report = join(dir, 'vitest-report.json');
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST$|NODE_OPTIONS$)/.test(key)));
  const run = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json', `--outputFile=${report}`], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  if (!existsSync(report)) return { status: run.status, output, total: 0, passed: 0, failures: [output] };
  const result = JSON.parse(readFileSync(report, 'utf8')) as {
    numTotalTests: number;
    numPassedTests: number;
    testResults: Array<{ name: string; assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
  };
  const failures = result.testResults.flatMap((f) =>
    f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
  );
  const files = result.testResults.map((f) => relative(dir, f.name));
  return { status: run.status, output, total: result.numTotalTests, passed: result.numPassedTests, failures, files };
}

describe.each(pluginKinds)('create-plugin --kind %s', (kind) => {
  const name = `demo-${kind}`;
  let created: Awaited<ReturnType<typeof createPlugin>>;
  let dir: string;

  beforeAll(async () => {
    created = await createPlugin({ name, kind, dir: freshDir(), pluginApiVersion, testingVersion });
    dir = created.dir;
  });

  it('writes a complete package into <dir>/<package name>', () => {
    expect(created.packageName).toBe(`switchboard-plugin-${name}`);
    expect(created.id).toBe(name);
    expect(dir.endsWith(`/switchboard-plugin-${name}`)).toBe(true);
    expect(created.files).toEqual([
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'vitest.config.ts',
      '.gitignore',
      'README.md',
      'src/index.ts',
      'src/index.test.ts',
    ]);
    for (const file of created.files) expect(existsSync(join(dir, file)), file).toBe(true);
  });

  it('has a package.json a plugin package needs', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: `switchboard-plugin-${name}`,
      type: 'module',
      engines: { node: '>=20' },
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      types: './dist/index.d.ts',
      scripts: { build: 'tsc -p tsconfig.build.json', test: 'vitest run' },
      peerDependencies: { '@mcp-switchboard/plugin-api': `^${pluginApiVersion}` },
      dependencies: { zod: expect.any(String) },
      devDependencies: {
        '@mcp-switchboard/plugin-api': `^${pluginApiVersion}`,
        '@mcp-switchboard/testing': `^${testingVersion}`,
        typescript: expect.any(String),
        vitest: expect.any(String),
      },
    });
    expect(manifest.keywords).toContain('switchboard-plugin');
    expect(manifest.files).toContain('dist');
    expect(Object.keys(manifest.dependencies).includes('@modelcontextprotocol/sdk')).toBe(kind === 'transport');
  });

  it('has a README with install and config instructions naming the package and its short name', () => {
    const text = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(text).toContain(`npm install switchboard-plugin-${name}`);
    expect(text).toContain(`"plugins": [["${name}",`);
    const config = /```json\n([\s\S]*?)```/.exec(text)?.[1];
    expect(() => JSON.parse(config!)).not.toThrow();
  });

  it('type-checks strictly with its own tsconfig, tests included', () => {
    expect(compileScaffold(dir, 'tsconfig.json')).toEqual([]);
  });

  it('builds dist/ (without the tests) to a module whose plugin has the right kind and id', async () => {
    expect(compileScaffold(dir, 'tsconfig.build.json')).toEqual([]);
    expect(existsSync(join(dir, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'index.test.js'))).toBe(false);
    const mod = (await import(pathToFileURL(join(dir, 'dist', 'index.js')).href)) as { default: unknown; plugin: unknown };
    const exported = Array.isArray(mod.default) ? mod.default : [mod.default];
    for (const plugin of exported) {
      expect(isSwitchboardPlugin(plugin)).toBe(true);
      expect((plugin as SwitchboardPlugin).apiVersion).toBe(apiVersion);
    }
    expect(mod.plugin).toMatchObject({ id: name, kind });
    expect(exported).toContain(mod.plugin);
  });

  it('passes its own tests (npm test)', () => {
    const result = runScaffoldTests(dir);
    expect(result.failures).toEqual([]);
    expect(result.files).toEqual(['src/index.test.ts']);
    expect(result.total).toBeGreaterThanOrEqual(2);
    expect(result.passed).toBe(result.total);
    expect(result.status, result.output).toBe(0);
  });
});

describe('create-plugin names and refusals', () => {
  it('maps names to packages and plugin ids', () => {
    expect(pluginNames('team-servers')).toEqual({ packageName: 'switchboard-plugin-team-servers', id: 'team-servers' });
    expect(pluginNames('switchboard-plugin-audit')).toEqual({ packageName: 'switchboard-plugin-audit', id: 'audit' });
    expect(pluginNames('@acme/switchboard-plugin-audit')).toEqual({ packageName: '@acme/switchboard-plugin-audit', id: 'audit' });
    expect(pluginNames('@acme/tools')).toEqual({ packageName: '@acme/tools', id: 'tools' });
  });

  it.each([
    ['Team', /capital letters/],
    ['my plugin', /not URL-safe/],
    ['a/b', /not URL-safe/],
    ['@acme', /@scope\/name/],
    ['@acme/', /@scope\/name/],
    ['.hidden', /must start with a letter or digit/],
    ['@acme/.x', /starts with "\." or "_"/],
    ['@_acme/x', /starts with "\." or "_"/],
    ['x!', /~'!\(\)\*/],
    ['switchboard-plugin-', /nothing after/],
    ['', /empty/],
    ['x'.repeat(220), /214/],
  ])('refuses the name %j with a usage error', (name, message) => {
    let error: unknown;
    try {
      pluginNames(name);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'SWB_USAGE', message: expect.stringMatching(message) });
  });

  it('applies npm rules that the prefix cannot hide, for scoped and bare names', () => {
    expect(npmNameProblem('http')).toMatch(/core module/);
    expect(npmNameProblem('node_modules')).toMatch(/not allowed/);
    expect(npmNameProblem('@acme/http')).toBeUndefined();
    expect(npmNameProblem('switchboard-plugin-ok.v2_x')).toBeUndefined();
  });

  it('refuses an unknown kind, listing the kinds', async () => {
    const dir = freshDir();
    await expect(createPlugin({ name: 'x', kind: 'source', dir, pluginApiVersion, testingVersion })).rejects.toMatchObject({
      code: 'SWB_USAGE',
      message: expect.stringContaining('unknown kind "source"'),
      fix: expect.stringContaining(pluginKinds.join(', ')),
    });
    expect(existsSync(join(dir, 'switchboard-plugin-x'))).toBe(false);
  });

  it('refuses a version that is not one', async () => {
    await expect(createPlugin({ name: 'x', kind: 'filter', dir: freshDir(), pluginApiVersion: 'latest', testingVersion })).rejects.toMatchObject({
      code: 'SWB_USAGE',
    });
  });

  it('refuses to write into a folder that is not empty, and leaves it alone', async () => {
    const dir = freshDir();
    const target = join(dir, 'switchboard-plugin-taken');
    mkdirSync(target);
    writeFileSync(join(target, 'package.json'), '{"name":"mine"}');
    await expect(createPlugin({ name: 'taken', kind: 'reporter', dir, pluginApiVersion, testingVersion })).rejects.toMatchObject({
      code: 'SWB_USAGE',
      message: expect.stringContaining('not empty'),
    });
    expect(readFileSync(join(target, 'package.json'), 'utf8')).toBe('{"name":"mine"}');
    expect(existsSync(join(target, 'src'))).toBe(false);
  });

  it('writes into an existing empty folder', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'switchboard-plugin-empty'));
    const created = await createPlugin({ name: 'empty', kind: 'reporter', dir, pluginApiVersion, testingVersion });
    expect(existsSync(join(created.dir, 'src', 'index.ts'))).toBe(true);
  });

  it('puts a scoped package in a folder named without the scope', async () => {
    const dir = freshDir();
    const created = await createPlugin({ name: '@acme/switchboard-plugin-audit', kind: 'reporter', dir, pluginApiVersion, testingVersion });
    expect(created.dir).toBe(join(dir, 'switchboard-plugin-audit'));
    expect(JSON.parse(readFileSync(join(created.dir, 'package.json'), 'utf8')).name).toBe('@acme/switchboard-plugin-audit');
    expect(readFileSync(join(created.dir, 'src', 'index.ts'), 'utf8')).toContain("id: 'audit'");
  });
});

describe('registerCreatePluginCommand', () => {
  function program() {
    const root = new Command('mcp-switchboard').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerCreatePluginCommand(root);
    return root;
  }

  it('scaffolds from the command line and prints the files and next steps on stdout', async () => {
    const dir = freshDir();
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
    try {
      await program().parseAsync(['create-plugin', 'cli-made', '--kind', 'config-source', '--dir', dir], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'switchboard-plugin-cli-made', 'package.json'), 'utf8'));
    expect(manifest.peerDependencies['@mcp-switchboard/plugin-api']).toBe(`^${installedVersions().pluginApiVersion}`);
    const printed = writes.join('');
    expect(printed).toContain('Created switchboard-plugin-cli-made (plugin "cli-made", kind config-source)');
    expect(printed).toContain('src/index.test.ts');
    expect(printed).toContain('npm test');
  });

  it('rejects a missing or unknown --kind before writing anything', async () => {
    const dir = freshDir();
    await expect(program().parseAsync(['create-plugin', 'x', '--dir', dir], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    await expect(program().parseAsync(['create-plugin', 'x', '--kind', 'nope', '--dir', dir], { from: 'user' })).rejects.toThrow(
      /Allowed choices are service, config-source, reporter, filter, middleware, transport/,
    );
    expect(existsSync(join(dir, 'switchboard-plugin-x'))).toBe(false);
  });
});

describe('next steps printed after create-plugin', () => {
  const created = { dir: '/work/project/plugins/switchboard-plugin-demo', packageName: 'switchboard-plugin-demo', id: 'demo', files: ['package.json'] };
  it('shows a folder below the working directory relative, and one outside it absolute', async () => {
    const { describeCreated } = await import('../src/commands/create-plugin.js');
    const below = describeCreated(created as never, 'reporter', '/work/project');
    expect(below).toContain('cd plugins/switchboard-plugin-demo');
    expect(below).toContain('"./plugins/switchboard-plugin-demo" while you develop, "switchboard-plugin-demo" once installed');
    const outside = describeCreated(created as never, 'reporter', '/somewhere/else');
    expect(outside).toContain('cd /work/project/plugins/switchboard-plugin-demo');
    expect(outside).not.toContain('..');
  });
});
