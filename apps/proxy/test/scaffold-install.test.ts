// The packages are publishable: a plugin scaffolded by `mcp-switchboard create-plugin` into a folder outside the
// monorepo installs the packed tarballs of @mcp-switchboard/plugin-api, /kernel, /hub and /testing (nothing linked,
// nothing from the workspace), passes its own generated test, builds and packs; a consumer folder installs that
// tarball, and the real CLI loads the plugin from a config that names it by package name and runs it.
//
// Every other dependency (typescript, vitest, zod, the MCP SDK, ...) comes from the npm registry: `--prefer-offline`
// reuses the npm cache when it is warm and fetches what is missing when it is cold. `npm test` builds the
// repository before it runs this file; the steps run in order and each needs the one before it.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, repoRoot } from './helpers/cli.js';

/** The workspaces a plugin author installs: the contract, the test kit, and the kernel and hub the test kit runs. */
const packed = ['@mcp-switchboard/plugin-api', '@mcp-switchboard/kernel', '@mcp-switchboard/hub', '@mcp-switchboard/testing'] as const;
type PackedName = (typeof packed)[number];
const workspaceDir: Record<PackedName, string> = {
  '@mcp-switchboard/plugin-api': 'packages/plugin-api',
  '@mcp-switchboard/kernel': 'packages/kernel',
  '@mcp-switchboard/hub': 'packages/hub',
  '@mcp-switchboard/testing': 'packages/testing',
};
const versionOf = (name: PackedName) => (JSON.parse(readFileSync(join(repoRoot, workspaceDir[name], 'package.json'), 'utf8')) as { version: string }).version;

const PLUGIN = 'switchboard-plugin-demo';
/** Installs on a cold cache can take minutes; a hung registry must still end the test. */
const INSTALL_MS = 8 * 60_000;
const STEP_MS = 3 * 60_000;

/**
 * The environment for npm and node children: npm's own run-script variables (`npm_config_*`, `npm_package_*`,
 * `npm_lifecycle_*`, ... set because `npm test` runs us) would steer the nested npm towards the monorepo, and
 * vitest's would confuse the scaffold's own vitest. What says where the registry and cache are is kept.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep =
    /^npm_config_(cache|registry|userconfig|globalconfig|cafile|ca|cert|key|proxy|https_proxy|noproxy|strict_ssl|fetch_[a-z_]+|maxsockets|offline)$|registry|_auth/;
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => {
      if (/^VITEST|^(TEST|NODE_OPTIONS|NODE_ENV|INIT_CWD)$/.test(key)) return false;
      if (key.startsWith('npm_')) return keep.test(key);
      return true;
    }),
  );
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion (asynchronously: installs take a while); rejects with its output unless it exits 0. */
function run(command: string, args: string[], cwd: string, timeoutMs = STEP_MS): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr, ms: Date.now() - started };
      if (code === 0) resolve(result);
      else {
        const why = signal ? `was killed (${signal}${signal === 'SIGKILL' ? `, after ${timeoutMs} ms` : ''})` : `exited with ${code}`;
        reject(new Error(`\`${command} ${args.join(' ')}\` in ${cwd} ${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      }
    });
  });
}

const npm = (args: string[], cwd: string, timeoutMs?: number) => run('npm', args, cwd, timeoutMs);
const timings: Array<[string, number]> = [];
async function timed<T extends Run>(step: string, pending: Promise<T>): Promise<T> {
  const result = await pending;
  timings.push([step, result.ms]);
  return result;
}

/** `npm pack --json` prints an array of { filename, files: [{ path }] } on stdout (warnings go to stderr). */
function packOutput(stdout: string): Array<{ name: string; filename: string; files: Array<{ path: string }> }> {
  return JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
}

let base: string;
let tarballs: Record<PackedName, string>;
let scaffold: string;
let pluginTarball: string;
let consumer: string;
/** Set as each step passes, so a later step says which one it is waiting for instead of failing obscurely. */
const done = new Set<string>();
function needs(step: string) {
  if (!done.has(step)) throw new Error(`skipped: the step "${step}" did not pass`);
}

beforeAll(() => {
  expect(existsSync(cliPath), `${cliPath} is missing: run \`npm run build\` (npm test does) first`).toBe(true);
  // Under the OS temp folder, so no node_modules of the monorepo can be found by walking up.
  base = realpathSync(mkdtempSync(join(tmpdir(), 'switchboard-scaffold-install-')));
  expect(relative(repoRoot, base).startsWith('..')).toBe(true);
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
  if (timings.length) {
    // Shown in the vitest output: how long the install path takes on this machine.
    process.stderr.write(`scaffold-install timings: ${timings.map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)}s`).join(', ')}\n`);
  }
});

describe('a plugin scaffolded outside the monorepo, on the packed packages', () => {
  it(
    'npm pack of plugin-api, kernel and testing gives tarballs with built code and types',
    async () => {
      const packDir = join(base, 'tarballs');
      mkdirSync(packDir);
      const result = await timed('pack', npm(['pack', '--json', '--pack-destination', packDir, ...packed.flatMap((name) => ['-w', name])], repoRoot));
      const output = packOutput(result.stdout);
      expect(output.map((p) => p.name).sort()).toEqual([...packed].sort());
      tarballs = {} as Record<PackedName, string>;
      for (const pack of output) {
        const name = pack.name as PackedName;
        const paths = pack.files.map((f) => f.path);
        expect(paths, name).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts']));
        tarballs[name] = join(packDir, pack.filename);
        expect(existsSync(tarballs[name]), tarballs[name]).toBe(true);
      }
      done.add('pack');
    },
    STEP_MS,
  );

  it(
    'create-plugin writes a reporter scaffold that asks for the versions just packed',
    async () => {
      const result = await run(process.execPath, [cliPath, 'create-plugin', 'demo', '--kind', 'reporter', '--dir', base], base);
      scaffold = join(base, PLUGIN);
      expect(result.stdout).toContain(`Created ${PLUGIN} (plugin "demo", kind reporter)`);
      const manifest = JSON.parse(readFileSync(join(scaffold, 'package.json'), 'utf8'));
      expect(manifest.peerDependencies['@mcp-switchboard/plugin-api']).toBe(`^${versionOf('@mcp-switchboard/plugin-api')}`);
      expect(manifest.devDependencies['@mcp-switchboard/testing']).toBe(`^${versionOf('@mcp-switchboard/testing')}`);
      expect(manifest.devDependencies['@mcp-switchboard/hub']).toBe(`^${versionOf('@mcp-switchboard/hub')}`);
      done.add('scaffold');
    },
    STEP_MS,
  );

  it(
    'installs the tarballs (and the rest from the registry) with nothing linked to the workspace',
    async () => {
      needs('pack');
      needs('scaffold');
      await timed(
        'scaffold install',
        npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '-D', ...packed.map((name) => `file:${tarballs[name]}`)], scaffold, INSTALL_MS),
      );
      for (const name of packed) {
        const dir = join(scaffold, 'node_modules', ...name.split('/'));
        // A copy unpacked from the tarball, not a link into the monorepo.
        expect(lstatSync(dir).isSymbolicLink(), `${name} is a symlink`).toBe(false);
        expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version, name).toBe(versionOf(name));
        expect(existsSync(join(dir, 'dist', 'index.d.ts')), `${name}: dist/index.d.ts`).toBe(true);
        expect(existsSync(join(dir, 'src')), `${name}: src/ was packed`).toBe(false);
      }
      // The test kit's "*" dependencies on kernel and plugin-api were met by the tarballs, not by other copies.
      for (const nested of ['testing', 'kernel']) {
        expect(existsSync(join(scaffold, 'node_modules', '@mcp-switchboard', nested, 'node_modules', '@mcp-switchboard'))).toBe(false);
      }
      done.add('install');
    },
    INSTALL_MS + 10_000,
  );

  it(
    'passes its own generated test (npm test) and type-checks',
    async () => {
      needs('install');
      const tested = await timed('scaffold npm test', npm(['test'], scaffold));
      const summary = tested.stdout.replace(/\x1b\[[0-9;]*m/g, '');
      expect(summary).toMatch(/Test Files\s+1 passed \(1\)/);
      expect(summary).toMatch(/Tests\s+2 passed \(2\)/);
      await timed('scaffold typecheck', npm(['run', 'typecheck'], scaffold));
      done.add('test');
    },
    STEP_MS,
  );

  it(
    'builds and packs into a tarball holding only dist, README and package.json',
    async () => {
      needs('test');
      await timed('scaffold build', npm(['run', 'build'], scaffold));
      const packDir = join(base, 'plugin-tarball');
      mkdirSync(packDir);
      const [pack] = packOutput((await npm(['pack', '--json', '--pack-destination', packDir], scaffold)).stdout);
      expect(pack!.files.map((f) => f.path).sort()).toEqual(['README.md', 'dist/index.d.ts', 'dist/index.js', 'package.json']);
      pluginTarball = join(packDir, pack!.filename);
      done.add('plugin-pack');
    },
    STEP_MS,
  );

  it(
    'is loaded by the mcp-switchboard CLI from a config naming it by package name, and runs',
    async () => {
      needs('plugin-pack');
      consumer = join(base, 'consumer');
      mkdirSync(consumer);
      writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true }, null, 2)}\n`);
      // plugin-api too: it is the plugin's peer dependency, and it is not on the registry.
      await timed(
        'consumer install',
        npm(
          ['install', '--no-audit', '--no-fund', '--prefer-offline', `file:${pluginTarball}`, `file:${tarballs['@mcp-switchboard/plugin-api']}`],
          consumer,
          INSTALL_MS,
        ),
      );
      expect(lstatSync(join(consumer, 'node_modules', PLUGIN)).isSymbolicLink()).toBe(false);

      // The echo fixture of the packed test kit, found through the package's exports from the scaffold folder.
      const entryJson = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const { fixtureServerEntry } = await import('@mcp-switchboard/testing'); process.stdout.write(JSON.stringify(fixtureServerEntry('echo')));",
        ],
        scaffold,
      );
      const echo = JSON.parse(entryJson.stdout) as { command: string; args: string[]; env: Record<string, string> };
      expect(echo.args[0]!.startsWith(join(scaffold, 'node_modules') + sep)).toBe(true);

      const configFile = join(consumer, 'switchboard.config.json');
      writeFileSync(configFile, `${JSON.stringify({ mcpServers: { echo }, plugins: [PLUGIN] }, null, 2)}\n`);

      // The working directory has no node_modules: the plugin is found next to the config, not the cwd.
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [cliPath, '--config', configFile],
        cwd: base,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SWITCHBOARD_LOG_LEVEL: 'info' },
        stderr: 'pipe',
      });
      let stderr = '';
      transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const client = new Client({ name: 'scaffold-install-test', version: '1.0.0' });
      const started = Date.now();
      try {
        await client.connect(transport);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo__echo', 'echo__add']));
        const echoed = await client.callTool({ name: 'echo__echo', arguments: { text: 'from a packed plugin' } });
        expect((echoed.content as Array<{ text?: string }>)[0]?.text).toBe('from a packed plugin');
        const added = await client.callTool({ name: 'echo__add', arguments: { a: 2, b: 40 } });
        expect((added.content as Array<{ text?: string }>)[0]?.text).toBe('42');
      } catch (error) {
        await client.close().catch(() => undefined);
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- CLI stderr ---\n${stderr}`, { cause: error });
      }
      // Closing stdin stops the CLI gracefully (the SDK waits for the exit): reporters flush, and the generated
      // reporter logs how many tool calls it counted.
      await client.close();
      timings.push(['proxy run', Date.now() - started]);

      const lines = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(
        lines.find((line) => line.level === 50 || line.level === 60),
        stderr,
      ).toBeUndefined();
      // The generated reporter's own line, through the logger the kernel gave it (so tagged with its id): it saw
      // both calls.
      expect(
        lines.filter((line) => line.plugin === 'demo' && line.msg === 'tool calls'),
        stderr,
      ).toEqual([expect.objectContaining({ calls: 2, failures: 0 })]);
    },
    INSTALL_MS + 60_000,
  );
});
