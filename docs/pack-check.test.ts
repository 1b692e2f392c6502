// scripts/pack-check.mjs: every published workspace packs only what it needs (dist/, README, package.json,
// LICENSE, CHANGELOG), with exports/types, engines, license, repository and a README; and the check fails, naming
// the package and the problem, when one does not. Then the npm pages themselves: the test kit's README examples
// type-check and pass, and the CLI's README documents every flag `--help` shows. Needs the build (npm test runs
// it first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fixtureNames } from '@mcp-switchboard/testing';
import { switchboardConfigSchema } from '@mcp-switchboard/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { compileFiles, repoRoot, writeTempProject } from './test-helpers/compile-ts.js';
import { extractCodeBlocks } from './test-helpers/markdown-blocks.js';

const script = join(repoRoot, 'scripts', 'pack-check.mjs');

interface PackResult {
  name: string;
  dir: string;
  files: string[];
  problems: string[];
}

function run(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
function runJson(args: string[]): { code: number | null; packages: PackResult[]; stderr: string } {
  const result = run([...args, '--json']);
  expect(result.stdout, result.stderr).toMatch(/^\{/);
  return { code: result.code, stderr: result.stderr, packages: (JSON.parse(result.stdout) as { packages: PackResult[] }).packages };
}

/** Published workspaces, found independently of the script: every workspace package.json without private. */
function publishedWorkspaces(): Array<{ name: string; dir: string }> {
  const { workspaces } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  const found: Array<{ name: string; dir: string }> = [];
  for (const pattern of workspaces) {
    expect(pattern, 'the test only knows "dir/*" workspace patterns').toMatch(/^[\w.-]+\/\*$/);
    const parent = pattern.slice(0, -2);
    for (const entry of readdirSync(join(repoRoot, parent))) {
      const file = join(repoRoot, parent, entry, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name: string; private?: boolean };
      if (manifest.private !== true) found.push({ name: manifest.name, dir: `${parent}/${entry}` });
    }
  }
  return found;
}

describe('pack-check on this repository', () => {
  it('passes for every published workspace, and checks each of them', () => {
    const { code, packages, stderr } = runJson([]);
    const failures = packages.filter((p) => p.problems.length).map((p) => `${p.name}: ${p.problems.join('; ')}`);
    expect(failures, stderr).toEqual([]);
    expect(code, stderr).toBe(0);
    const expected = publishedWorkspaces();
    expect(packages.map((p) => `${p.name} ${p.dir}`).sort()).toEqual(expected.map((p) => `${p.name} ${p.dir}`).sort());
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@mcp-switchboard/plugin-api', '@mcp-switchboard/testing', 'mcp-switchboard']));
    for (const { name, files } of packages) {
      expect(files, name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
    }
  });

  it('ships the CLI with its bin and the test kit with its fixture servers', () => {
    const { packages } = runJson(['mcp-switchboard', '@mcp-switchboard/testing']);
    const files = (name: string) => packages.find((p) => p.name === name)!.files;
    expect(files('mcp-switchboard')).toContain('dist/cli.js');
    expect(files('@mcp-switchboard/testing')).toEqual(expect.arrayContaining(['dist/fixtures/echo-server.js', 'dist/fixtures/conformance-server.js']));
  });

  it('prints one line per package and a total', () => {
    const { code, stdout } = run(['@mcp-switchboard/plugin-api']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok {4}@mcp-switchboard\/plugin-api \(packages\/plugin-api\): \d+ files$/m);
    expect(stdout).toContain('pack-check: 1 of 1 published packages pass');
  });

  it('refuses a name that is not a published workspace (exit 2)', () => {
    const { code, stderr } = run(['@mcp-switchboard/bench']);
    expect(code).toBe(2);
    expect(stderr).toContain('not a published workspace: @mcp-switchboard/bench');
  });
});

describe('pack-check on packages that are wrong', () => {
  const temps: string[] = [];
  afterEach(() => {
    for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const goodManifest = (name: string, dir: string) => ({
    name,
    version: '1.0.0',
    license: 'MIT',
    type: 'module',
    repository: { type: 'git', url: 'https://example.com/repo.git', directory: dir },
    engines: { node: '>=20' },
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
    files: ['dist', '!dist/**/*.test.*', '!dist/**/*.map', 'README.md', 'CHANGELOG.md'],
  });
  const built = { 'dist/index.js': 'export {};\n', 'dist/index.d.ts': 'export {};\n', 'README.md': '# x\n' };

  /** A monorepo in a temp folder: a root package.json with `packages/*`, and each package's files. */
  function fakeRepo(packages: Record<string, Record<string, string | object>>): string {
    const root = mkdtempSync(join(tmpdir(), 'pack-check-'));
    temps.push(root);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fake-root', private: true, workspaces: ['packages/*'] }));
    for (const [dir, files] of Object.entries(packages)) {
      for (const [name, content] of Object.entries(files)) {
        const file = join(root, 'packages', dir, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      }
    }
    return root;
  }

  it('passes a correct package (CHANGELOG.md absent before the first release) and skips private ones', () => {
    const root = fakeRepo({
      good: { 'package.json': goodManifest('good', 'packages/good'), ...built },
      internal: { 'package.json': { name: 'internal', version: '0.0.0', private: true }, 'src/index.ts': '' },
    });
    const { code, packages, stderr } = runJson(['--root', root]);
    expect(packages.map((p) => [p.name, p.problems])).toEqual([['good', []]]);
    expect(packages[0]!.files.sort()).toEqual(['README.md', 'dist/index.d.ts', 'dist/index.js', 'package.json']);
    expect(code, stderr).toBe(0);
  });

  it('names every file that should not be packed: sources, tests, maps, build info', () => {
    const root = fakeRepo({
      leaky: {
        'package.json': { ...goodManifest('leaky', 'packages/leaky'), files: ['dist', 'src', 'tsconfig.json', 'README.md', 'CHANGELOG.md'] },
        ...built,
        'dist/index.test.js': '',
        'dist/index.js.map': '{}',
        'dist/tsconfig.build.tsbuildinfo': '{}',
        'src/index.ts': 'export {};\n',
        'tsconfig.json': '{}',
      },
    });
    const { code, packages } = runJson(['--root', root]);
    expect(code).toBe(1);
    const problems = packages[0]!.problems.join('\n');
    expect(problems).toContain('dist/index.test.js is packed, but it is a compiled test');
    expect(problems).toContain('dist/index.js.map is packed, but it is a source map');
    expect(problems).toContain('dist/tsconfig.build.tsbuildinfo is packed, but it is TypeScript build info');
    expect(problems).toContain('src/index.ts is packed');
    expect(problems).toContain('tsconfig.json is packed');
    expect(packages[0]!.problems).toHaveLength(5);
  });

  it('names each missing field, export target and README, with the fix, and exits 1', () => {
    const { repository: _repository, engines: _engines, license: _license, ...bare } = goodManifest('bare', 'packages/bare');
    const root = fakeRepo({
      bare: {
        'package.json': {
          ...bare,
          exports: { '.': { import: './dist/index.js', types: './dist/types.d.ts' } },
          files: ['dist'],
          bin: { bare: './dist/cli.js' },
        },
        'dist/index.js': '',
      },
      moved: {
        'package.json': { ...goodManifest('moved', 'packages/elsewhere'), exports: './dist/index.js' },
        ...built,
      },
      unbuilt: { 'package.json': goodManifest('unbuilt', 'packages/unbuilt'), 'README.md': '# x\n' },
      good: { 'package.json': goodManifest('good', 'packages/good'), ...built },
    });
    const { code, packages } = runJson(['--root', root]);
    expect(code).toBe(1);
    const of = (name: string) => packages.find((p) => p.name === name)!.problems;
    expect(of('good')).toEqual([]);
    expect(of('bare')).toEqual(
      expect.arrayContaining([
        expect.stringContaining('exports["."].types is not the first condition'),
        expect.stringContaining('exports points to ./dist/types.d.ts, which is not in the package'),
        expect.stringContaining('bin.bare points to ./dist/cli.js, which is not in the package'),
        expect.stringContaining('has no engines.node (fix: add "engines": { "node": ">=20" })'),
        expect.stringContaining('has no "license"'),
        expect.stringMatching(/has no "repository" with a "url" \(fix: .*"directory": "packages\/bare"/),
        expect.stringContaining('README.md is not packed (fix: write packages/bare/README.md'),
        expect.stringContaining('"files" does not list CHANGELOG.md'),
      ]),
    );
    expect(of('bare')).toHaveLength(8);
    expect(of('moved')).toEqual([
      expect.stringContaining('exports["."] is not an object with conditions'),
      expect.stringContaining('repository.directory is "packages/elsewhere", but the package is in packages/moved'),
    ]);
    expect(of('unbuilt')).toEqual(
      expect.arrayContaining([
        expect.stringContaining('nothing under dist/ is packed (fix: run `npm run build` first'),
        expect.stringContaining('exports points to ./dist/index.js'),
      ]),
    );

    const text = run(['--root', root]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^FAIL {2}bare \(packages\/bare\):$/m);
    expect(text.stdout).toMatch(/^ok {4}good \(packages\/good\): 4 files$/m);
    expect(text.stdout).toContain('pack-check: 1 of 4 published packages pass');
  });
});

describe('the npm pages', () => {
  const testingReadme = readFileSync(join(repoRoot, 'packages', 'testing', 'README.md'), 'utf8');
  const proxyReadme = readFileSync(join(repoRoot, 'apps', 'proxy', 'README.md'), 'utf8');

  it('@mcp-switchboard/testing: every example type-checks (strict, NodeNext) and passes under vitest', () => {
    const examples = extractCodeBlocks(testingReadme).filter((b) => b.lang === 'ts');
    const unnamed = examples.filter((b) => !b.file?.endsWith('.test.ts')).map((b) => `line ${b.line}`);
    expect(unnamed, 'ts blocks without a `// file: <name>.test.ts` first line').toEqual([]);
    const files = examples.map((b) => b.file!);
    expect(new Set(files).size).toBe(files.length);
    // Under <repo>/tmp, so the packages (and mcp-switchboard, for the end-to-end examples) resolve from the workspace.
    const project = writeTempProject('testing-readme', Object.fromEntries(examples.map((b) => [b.file!, b.code])));
    try {
      writeFileSync(project.path('vitest.config.mjs'), "export default { test: { include: ['*.test.ts'], testTimeout: 60000 } };\n");
      const compiled = compileFiles(
        files.map((file) => project.path(file)),
        undefined,
        project.dir,
      );
      expect(compiled.errors).toEqual([]);
      const report = project.path('report.json');
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST$|NODE_OPTIONS$)/.test(key)));
      const run = spawnSync(
        process.execPath,
        [
          join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'),
          'run',
          '--root',
          project.dir,
          '--config',
          project.path('vitest.config.mjs'),
          '--reporter=json',
          `--outputFile=${report}`,
          ...files,
        ],
        { cwd: project.dir, env, encoding: 'utf8', timeout: 180_000 },
      );
      const output = `${run.stdout}\n${run.stderr}`;
      expect(existsSync(report), `vitest wrote no report:\n${output}`).toBe(true);
      const result = JSON.parse(readFileSync(report, 'utf8')) as {
        numTotalTests: number;
        numPassedTests: number;
        testResults: Array<{ name: string; assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
      };
      const failures = result.testResults.flatMap((f) =>
        f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
      );
      expect(failures).toEqual([]);
      expect(result.testResults.map((f) => f.name.split('/').pop()).sort()).toEqual([...files].sort());
      expect(result.numPassedTests).toBe(result.numTotalTests);
      expect(run.status, output).toBe(0);
    } finally {
      project.remove();
    }
  }, 240_000);

  it('@mcp-switchboard/testing: documents every fixture server and every helper', () => {
    const table = testingReadme.slice(testingReadme.indexOf('## Fixture MCP servers'));
    for (const name of fixtureNames) expect(table, `fixture "${name}" missing from the README's table`).toContain(`| \`${name}\` |`);
    for (const name of [
      'createTestKernel',
      'createMemoryLogger',
      'defineTestPlugin',
      'writeTempConfig',
      'writeTempPackage',
      'fixtureServerEntry',
      'fixturePath',
      'connectFixture',
      'startFakePluggedinApp',
      'createConformanceServer',
    ]) {
      expect(testingReadme).toContain(`\`${name}\``);
    }
  });

  it('mcp-switchboard: the flags table has every flag and environment variable of --help, and every command is shown', () => {
    const help = spawnSync(process.execPath, [join(repoRoot, 'apps', 'proxy', 'dist', 'cli.js'), '--help'], { encoding: 'utf8' }).stdout;
    const commandSection = help.slice(help.indexOf('Commands:'), help.indexOf('\n\n', help.indexOf('Commands:')));
    const commands = [...commandSection.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['list', 'create-plugin']));
    expect(
      commands.filter((command) => !proxyReadme.includes(`mcp-switchboard ${command} `)),
      'commands missing from apps/proxy/README.md',
    ).toEqual([]);
    const flags = [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z][\w-]*)/gm)].map((m) => m[1]!))];
    const envVars = [...new Set([...help.replace(/\s+/g, ' ').matchAll(/env: ([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!))];
    expect(flags).toEqual(expect.arrayContaining(['--config', '--transport', '--pluggedin-api-key']));
    expect(envVars.length).toBeGreaterThan(5);
    const table = proxyReadme.slice(proxyReadme.indexOf('| flag |'));
    expect(
      flags.filter((flag) => !table.includes(`${flag}\``) && !table.includes(`${flag} <`)),
      'flags missing from apps/proxy/README.md',
    ).toEqual([]);
    expect(
      envVars.filter((name) => !table.includes(`\`${name}\``)),
      'environment variables missing from apps/proxy/README.md',
    ).toEqual([]);
  });

  it('mcp-switchboard: every JSON example parses, and every config example is a valid config', () => {
    const json = extractCodeBlocks(proxyReadme).filter((b) => b.lang === 'json');
    expect(json.length).toBeGreaterThanOrEqual(5);
    for (const block of json) {
      let value: unknown;
      expect(() => (value = JSON.parse(block.code)), `JSON block at line ${block.line}`).not.toThrow();
      const servers = (value as { mcpServers?: Record<string, Record<string, unknown>> }).mcpServers;
      expect(servers, `JSON block at line ${block.line} has no mcpServers`).toBeDefined();
      // Client settings (Cursor's "url", Cline's "disabled") are not Switchboard configs; the rest must be.
      const isClientSnippet =
        Object.values(servers!).some((entry) => entry.args && (entry.args as string[]).includes('mcp-switchboard')) ||
        Object.values(servers!).some((entry) => 'url' in entry && !('type' in entry));
      if (isClientSnippet) continue;
      const result = switchboardConfigSchema.safeParse(value);
      expect(result.success, `config at line ${block.line}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
    }
  });
});
