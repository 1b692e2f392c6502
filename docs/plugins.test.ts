// Every ```ts block of docs/plugins.md is type-checked (strict, NodeNext) and run: modules are imported and
// checked below; `*.test.ts` blocks run under vitest in a child process. Blocks that import something the test
// kit does not export yet are reported as skipped, with the missing names.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  apiVersion,
  isSwitchboardError,
  isSwitchboardPlugin,
  pluginKinds,
  switchboardConfigSchema,
  type ConfigSource,
  type FilterContribution,
  type MiddlewareContribution,
  type ReporterContribution,
  type ServerDefinition,
  type SwitchboardEvent,
  type SwitchboardPlugin,
  type TransportContribution,
} from '@mcp-switchboard/plugin-api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFiles, repoRoot, writeTempProject, type CompileResult, type TempProject } from './test-helpers/compile-ts.js';
import { createFakeConfig, createMemoryLogger } from '@mcp-switchboard/testing';
import { fakeEvents, fakeLifecycle, manualClock } from './test-helpers/fake-services.js';
import { extractCodeBlocks, namedImportsFrom, type CodeBlock } from './test-helpers/markdown-blocks.js';

const guide = readFileSync(join(repoRoot, 'docs', 'plugins.md'), 'utf8');
const blocks = extractCodeBlocks(guide);
const tsBlocks = blocks.filter((b) => b.lang === 'ts');
const named = tsBlocks.filter((b): b is CodeBlock & { file: string } => b.file !== undefined);

// ---------------------------------------------------------------------------------------------------------
// Which blocks can run now: the test kit is being written alongside these docs.
// ---------------------------------------------------------------------------------------------------------
const kitSpecifier = '@mcp-switchboard/testing';
const kitExports = new Set<string>();
let kitProblem = '';
try {
  const kit = (await import(kitSpecifier)) as Record<string, unknown>;
  for (const key of Object.keys(kit)) kitExports.add(key);
  const dts = join(repoRoot, 'packages', 'testing', 'dist', 'index.d.ts');
  if (existsSync(dts)) for (const m of readFileSync(dts, 'utf8').matchAll(/\b[A-Za-z_$][\w$]*\b/g)) kitExports.add(m[0]);
} catch (error) {
  kitProblem = `${kitSpecifier} cannot be imported (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); build it first`;
}

function missingKitNames(block: CodeBlock): string[] {
  return namedImportsFrom(block.code, kitSpecifier).filter((name) => !kitExports.has(name));
}
const pending = new Map<string, string>();
for (const block of named) {
  const missing = missingKitNames(block);
  if (missing.length > 0) pending.set(block.file, kitProblem || `waits for ${kitSpecifier} to export ${missing.join(', ')}`);
}
const runnable = named.filter((b) => !pending.has(b.file));
const isTestBlock = (file: string) => file.endsWith('.test.ts');

// ---------------------------------------------------------------------------------------------------------
// One check per module block: what a reader of the guide is promised.
// ---------------------------------------------------------------------------------------------------------
type Module = Record<string, unknown>;
const pluginOf = <K extends SwitchboardPlugin['kind']>(value: unknown, kind: K): SwitchboardPlugin<K> => {
  expect(isSwitchboardPlugin(value)).toBe(true);
  expect((value as SwitchboardPlugin).kind).toBe(kind);
  return value as SwitchboardPlugin<K>;
};
const stdio = (id: string): ServerDefinition => ({ id, name: id, source: 'test', enabled: true, transport: 'stdio', command: 'x', args: [], env: {} });
const finished = (server: string, item: string, success: boolean, durationMs: number): SwitchboardEvent => ({
  type: 'call.finished',
  callId: `${item}-${durationMs}`,
  sessionId: 's1',
  server: stdio(server),
  kind: 'tool',
  item,
  arguments: { secret: 'value' },
  success,
  durationMs,
  at: 0,
});

let scratch: string;
const checks: Record<string, (mod: Module) => Promise<void>> = {
  async 'team-source.ts'(mod) {
    const plugin = pluginOf(mod.default, 'config-source');
    expect(plugin.options!.safeParse({}).success).toBe(false);
    const options = plugin.options!.parse({
      servers: { echo: { command: 'echo-mcp', args: ['--quiet'] }, remote: { type: 'sse', url: 'http://127.0.0.1:1/sse' } },
    });
    const logger = createMemoryLogger();
    const source = (await plugin.setup({ logger }, options)) as ConfigSource;
    expect(await source.load()).toEqual([
      { id: 'echo', name: 'echo', source: 'team-source', enabled: true, transport: 'stdio', command: 'echo-mcp', args: ['--quiet'], env: {} },
      { id: 'remote', name: 'remote', source: 'team-source', enabled: true, transport: 'sse', url: 'http://127.0.0.1:1/sse', headers: {} },
    ]);
    expect(logger.lines).toContainEqual({ level: 'debug', message: 'team servers loaded', fields: { count: 2 } });
  },

  async 'clock-server.ts'(mod) {
    expect(Array.isArray(mod.default)).toBe(true);
    const [sourcePlugin, transportPlugin] = mod.default as unknown[];
    const server = mod.clockServer as ServerDefinition;
    const source = (await pluginOf(sourcePlugin, 'config-source').setup({}, undefined)) as ConfigSource;
    expect(await source.load()).toEqual([server]);
    const clock = manualClock(Date.UTC(2030, 0, 1));
    const transport = (await pluginOf(transportPlugin, 'transport').setup({ clock }, undefined)) as TransportContribution;
    const [connector] = transport.connectors!;
    expect(connector!.types).toEqual(['in-process']);
    expect(connector!.accepts!(server)).toBe(true);
    expect(connector!.accepts!({ ...server, meta: { plugin: 'someone-else' } })).toBe(false);
    const link = await connector!.connect(server, { logger: createMemoryLogger(), signal: new AbortController().signal });
    const client = new Client({ name: 'docs-test', version: '1.0.0' });
    await client.connect(link.transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['now']);
    expect((await client.callTool({ name: 'now', arguments: {} })).content).toEqual([{ type: 'text', text: '2030-01-01T00:00:00.000Z' }]);
    await transport.dispose!();
    await expect(client.listTools()).rejects.toThrow();
  },

  async 'path-guard.ts'(mod) {
    const plugin = pluginOf(mod.default, 'filter');
    const filter = (await plugin.setup({}, plugin.options!.parse({ hide: ['fs/write_file'], root: scratch }))) as FilterContribution;
    const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });
    expect(filter.tool!(stdio('fs'), tool('write_file'))).toBe(false);
    expect(filter.tool!(stdio('other'), tool('write_file'))).toBe(true);
    const call = (path: unknown) => ({ server: stdio('fs'), tool: 'read', exposedName: 'fs__read', arguments: { path }, sessionId: 's' });
    expect(filter.beforeToolCall!(call('inside/file.txt'))).toBeUndefined();
    expect(filter.beforeToolCall!(call(42))).toBeUndefined();
    let refusal: unknown;
    try {
      filter.beforeToolCall!(call('../outside.txt'));
    } catch (error) {
      refusal = error;
    }
    expect(isSwitchboardError(refusal) && refusal.code).toBe('SWB_TOOL_DENIED');
  },

  async 'call-stats.ts'(mod) {
    const plugin = pluginOf(mod.default, 'reporter');
    expect(plugin.options!.safeParse(undefined).success).toBe(false);
    const logger = createMemoryLogger();
    const config = createFakeConfig({}, join(scratch, 'switchboard.config.json'));
    const reporter = (await plugin.setup({ config, logger }, plugin.options!.parse({ file: 'out/stats.json' }))) as ReporterContribution;
    const events = [finished('echo', 'echo', true, 5), finished('echo', 'echo', false, 7), finished('math', 'add', true, 1)];
    for (const event of events) expect(reporter.onEvent(event)).toBeUndefined();
    reporter.onEvent({ ...(finished('echo', 'greeting', true, 1) as Extract<SwitchboardEvent, { type: 'call.finished' }>), kind: 'prompt' });
    await reporter.flush!();
    const written = readFileSync(join(scratch, 'out', 'stats.json'), 'utf8');
    expect(JSON.parse(written)).toEqual({ 'echo/echo': { calls: 2, failures: 1, totalMs: 12 }, 'math/add': { calls: 1, failures: 0, totalMs: 1 } });
    expect(written).not.toContain('value');
    expect(logger.lines.map((e) => e.message)).toContain('call statistics written');
  },

  async 'tokens.ts'(mod) {
    expect(mod.quotaToken).toEqual({ id: 'acme.quota', multiple: false });
    expect(Object.isFrozen(mod.quotaToken)).toBe(true);
    const logger = createMemoryLogger();
    expect((mod.loggerIsTyped as (d: unknown) => unknown)({ logger, quota: { take: () => true } })).toBe(logger);
  },

  async 'rename-tools.ts'(mod) {
    const plugin = pluginOf(mod.default, 'middleware');
    const middleware = (await plugin.setup(
      {},
      plugin.options!.parse({ tools: { everything__echo: { name: 'say', description: 'Says it back.' } } }),
    )) as MiddlewareContribution;
    const item = (exposedName: string) => ({
      server: stdio('everything'),
      originalName: 'echo',
      exposedName,
      definition: { name: exposedName, inputSchema: { type: 'object' as const } },
      profile: undefined,
    });
    expect(middleware.tool!(item('everything__echo'))).toEqual({ name: 'say', description: 'Says it back.' });
    expect(middleware.tool!(item('everything__add'))).toBeUndefined();
    expect(plugin.options!.safeParse({ tools: { x: { nmae: 'typo' } } }).success).toBe(false);
  },

  async 'shared-cache.ts'(mod) {
    const plugin = pluginOf(mod.default, 'service');
    expect(plugin.provides).toEqual({ cache: mod.sharedCacheToken });
    const clock = manualClock();
    const made = (await plugin.setup({ clock }, plugin.options!.parse({ ttlMs: 1000 }))) as {
      provides: { cache: { get(k: string): unknown; set(k: string, v: unknown): void } };
      info(): unknown;
    };
    made.provides.cache.set('a', 1);
    expect(made.provides.cache.get('a')).toBe(1);
    clock.advance(1000);
    expect(made.provides.cache.get('a')).toBeUndefined();
    expect(made.info()).toEqual({ entries: 1 });
  },

  async 'cached-calls.ts'(mod) {
    const plugin = pluginOf(mod.default, 'middleware');
    const store = new Map<string, unknown>();
    const cache = { get: (k: string) => store.get(k), set: (k: string, v: unknown) => void store.set(k, v) };
    const middleware = (await plugin.setup({ cache }, plugin.options!.parse({ tools: ['say'] }))) as MiddlewareContribution;
    const call = (exposedName: string) => ({
      callId: 'c',
      sessionId: 's',
      server: stdio('everything'),
      tool: 'echo',
      exposedName,
      arguments: { message: 'hi' },
    });
    const result = { content: [{ type: 'text' as const, text: 'Echo: hi' }] };
    expect(await middleware.beforeToolCall!(call('say'))).toBeUndefined();
    await middleware.afterToolCall!(call('say'), result);
    expect(await middleware.beforeToolCall!(call('say'))).toEqual({ action: 'answer', result });
    await middleware.afterToolCall!(call('other'), result);
    expect(await middleware.beforeToolCall!(call('other'))).toBeUndefined();
  },

  async 'prometheus-reporter.ts'(mod) {
    const plugin = pluginOf(mod.default, 'reporter');
    const logger = createMemoryLogger();
    const reporter = (await plugin.setup({ logger }, plugin.options!.parse({}))) as ReporterContribution;
    try {
      reporter.onEvent({ ...finished('everything', 'echo', true, 3), exposedName: 'say' } as SwitchboardEvent);
      reporter.onEvent({
        type: 'call.refused',
        callId: 'c',
        sessionId: 's',
        kind: 'tool',
        item: 'echo',
        exposedName: 'say',
        plugin: 'pins',
        code: 'PIN_CHANGED',
        message: 'changed',
        at: 1,
      });
      reporter.onEvent({ type: 'call.unknown', sessionId: 's', kind: 'tool', name: 'nope', at: 1 });
      reporter.onEvent({ type: 'events.dropped', dropped: 4, total: 4, at: 1 });
      const { url, port } = reporter.info!() as { url: string; port: number };
      expect(port).toBeGreaterThan(0);
      const text = await (await fetch(url)).text();
      expect(text).toContain('switchboard_calls_total{name="say",server="everything",original="echo",outcome="ok"} 1');
      expect(text).toContain('switchboard_calls_total{name="say",outcome="refused",plugin="pins",code="PIN_CHANGED"} 1');
      expect(text).toContain('switchboard_calls_total{name="nope",outcome="unknown"} 1');
      expect(text).toContain('switchboard_events_dropped_total 4');
    } finally {
      await reporter.dispose!();
    }
  },

  async 'heartbeat.ts'(mod) {
    const plugin = pluginOf(mod.default, 'reporter');
    const logger = createMemoryLogger();
    const clock = manualClock();
    const lifecycle = fakeLifecycle();
    const config = createFakeConfig({ mcpServers: { a: { command: 'a' }, b: { command: 'b' } } });
    const reporter = (await plugin.setup({ logger, clock, lifecycle, config }, plugin.options!.parse({}))) as ReporterContribution;
    expect(clock.pending()).toBe(0);
    await lifecycle.start();
    for (let i = 0; i < 3; i++) reporter.onEvent(finished('a', 'x', true, 1));
    clock.advance(59_999);
    expect(logger.lines).toEqual([]);
    clock.advance(1);
    clock.advance(60_000);
    expect(logger.lines.filter((e) => e.message === 'heartbeat').map((e) => e.fields)).toEqual([
      { calls: 3, servers: 2 },
      { calls: 0, servers: 2 },
    ]);
    config.replace({ mcpServers: { a: { command: 'a' } } });
    expect(logger.lines.at(-1)).toMatchObject({ message: 'config reloaded', fields: { servers: 1 } });
    await lifecycle.stop();
    expect(clock.pending()).toBe(0);
    await reporter.dispose!();
    const count = logger.lines.length;
    config.replace({ mcpServers: {} });
    expect(logger.lines).toHaveLength(count);
  },

  async 'json-file-source.ts'(mod) {
    const plugin = pluginOf(mod.default, 'config-source');
    const logger = createMemoryLogger();
    const clock = manualClock();
    const config = createFakeConfig({}, join(scratch, 'switchboard.config.json'));
    const servers = join(scratch, 'servers.json');
    const source = (await plugin.setup({ config, clock, logger }, plugin.options!.parse({ file: 'servers.json', pollMs: 1000 }))) as ConfigSource;
    const failure = async () => {
      const error = await source.load().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSwitchboardError(error) && error.code).toBe('SWB_SOURCE_FAILED');
      return (error as Error).message;
    };

    expect(await failure()).toMatch(/servers\.json: cannot be read/);
    writeFileSync(servers, '{ "mcpServers": ');
    expect(await failure()).toMatch(/not valid JSON/);
    writeFileSync(servers, JSON.stringify({ servers: {} }));
    expect(await failure()).toMatch(/mcpServers/);
    writeFileSync(servers, JSON.stringify({ mcpServers: { echo: { command: 'echo-mcp' } } }));
    expect((await source.load()).map((s) => s.id)).toEqual(['echo']);

    // Polling through the injected clock: a change is pushed once, a failure keeps the last good list.
    const changes: string[][] = [];
    const unsubscribe = source.watch!((list) => changes.push(list.map((s) => s.id)));
    const pollOnce = async () => {
      clock.advance(1000);
      await expect.poll(() => clock.pending()).toBe(1); // the next poll is scheduled once this one is done
    };
    await pollOnce();
    expect(changes).toEqual([['echo']]);
    await pollOnce();
    expect(changes).toEqual([['echo']]);
    writeFileSync(servers, JSON.stringify({ mcpServers: { echo: { command: 'echo-mcp' }, notes: { command: 'notes-mcp' } } }));
    await pollOnce();
    expect(changes).toEqual([['echo'], ['echo', 'notes']]);
    writeFileSync(servers, 'broken');
    await pollOnce();
    expect(changes).toHaveLength(2);
    expect(logger.lines.at(-1)).toMatchObject({ level: 'warn', message: 'keeping the last good server list' });
    unsubscribe();
    expect(clock.pending()).toBe(0);
  },
};

// ---------------------------------------------------------------------------------------------------------

let project: TempProject;
let compiled: CompileResult;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'docs-plugins-'));
  project = writeTempProject('docs-plugins', Object.fromEntries(runnable.map((b) => [b.file, b.code])));
  writeFileSync(
    project.path('vitest.config.mjs'),
    "export default { test: { include: ['**/*.test.ts'], exclude: ['**/node_modules/**'], testTimeout: 60000 } };\n",
  );
  compiled = compileFiles(runnable.map((b) => project.path(b.file)));
});

afterAll(() => {
  project?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('docs/plugins.md', () => {
  it('has TypeScript examples, each starting with a unique `// file: <name>.ts` line', () => {
    expect(tsBlocks.length).toBeGreaterThan(5);
    const unnamed = tsBlocks.filter((b) => !b.file?.endsWith('.ts')).map((b) => `line ${b.line}`);
    expect(unnamed, 'blocks without a `// file: name.ts` first line').toEqual([]);
    const files = named.map((b) => b.file);
    expect(new Set(files).size).toBe(files.length);
  });

  it('shows a complete example of every kind', () => {
    const modules = named.filter((b) => !isTestBlock(b.file));
    const kinds = new Set(modules.flatMap((b) => [...b.code.matchAll(/\bkind: '([a-z-]+)'/g)].map((m) => m[1])));
    expect(pluginKinds.filter((kind) => kinds.has(kind))).toEqual([...pluginKinds]);
  });

  it('type-checks every runnable example together (strict, NodeNext)', () => {
    expect(compiled.errors).toEqual([]);
    expect(compiled.emitted.length).toBe(runnable.length);
  });

  it('has a check in this file for every module example, and an example for every check', () => {
    const modules = named.filter((b) => !isTestBlock(b.file)).map((b) => b.file);
    expect(Object.keys(checks).sort()).toEqual([...modules].sort());
  });

  it('has JSON examples that parse, and config examples the config schema accepts', () => {
    const json = blocks.filter((b) => b.lang === 'json');
    expect(json.length).toBeGreaterThan(0);
    for (const block of json) {
      let value: unknown;
      expect(() => (value = JSON.parse(block.code)), `JSON block at line ${block.line}`).not.toThrow();
      if (value && typeof value === 'object' && ('mcpServers' in value || 'plugins' in value)) {
        const result = switchboardConfigSchema.safeParse(value);
        expect(result.success, `config at line ${block.line}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
      }
    }
  });

  it('links only to headings that exist', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .replace(/\s/g, '-');
    const outside = guide.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
    const anchors = new Set([...outside.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
    const links = [...outside.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  });

  for (const block of named.filter((b) => !isTestBlock(b.file))) {
    it.skipIf(pending.has(block.file))(`runs ${block.file}${pending.has(block.file) ? ` (${pending.get(block.file)})` : ''}`, async () => {
      expect(compiled.errors).toEqual([]);
      const mod = (await import(pathToFileURL(project.path(block.file.replace(/\.ts$/, '.js'))).href)) as Module;
      if ('default' in mod) {
        const plugins = Array.isArray(mod.default) ? mod.default : [mod.default];
        for (const plugin of plugins) {
          expect(isSwitchboardPlugin(plugin)).toBe(true);
          expect((plugin as SwitchboardPlugin).apiVersion).toBe(apiVersion);
        }
      }
      await checks[block.file]!(mod);
    });
  }

  for (const block of named.filter((b) => isTestBlock(b.file))) {
    it.skipIf(pending.has(block.file))(`passes ${block.file} under vitest${pending.has(block.file) ? ` (${pending.get(block.file)})` : ''}`, () => {
      expect(compiled.errors).toEqual([]);
      const report = project.path(`${block.file}.report.json`);
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
          block.file,
        ],
        { cwd: project.dir, env, encoding: 'utf8', timeout: 120_000 },
      );
      const output = `${run.stdout}\n${run.stderr}`;
      expect(existsSync(report), `vitest wrote no report:\n${output}`).toBe(true);
      const result = JSON.parse(readFileSync(report, 'utf8')) as {
        numTotalTests: number;
        numPassedTests: number;
        testResults: Array<{ assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
      };
      const failures = result.testResults.flatMap((f) =>
        f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
      );
      expect(failures).toEqual([]);
      expect(result.numTotalTests).toBeGreaterThan(0);
      expect(result.numPassedTests).toBe(result.numTotalTests);
      expect(run.status, output).toBe(0);
    });
  }
});

describe('the example harness', () => {
  it('fails on a type error, so a broken example cannot pass', () => {
    const broken = writeTempProject('docs-broken', {
      'broken.ts':
        "import { definePlugin } from '@mcp-switchboard/plugin-api';\nexport default definePlugin({ id: 'x', kind: 'reporter', setup: () => ({}) });\n",
    });
    try {
      const result = compileFiles([broken.path('broken.ts')]);
      expect(result.errors.join('\n')).toMatch(/broken\.ts:2:\d+ - error TS2322/);
      expect(result.emitted).toEqual([]);
    } finally {
      broken.remove();
    }
  });
});
