import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cliPath, repoRoot, runCli, tempDir } from './helpers/cli.js';

// What the CLI imports before it answers: a module-load hook (node --import) reports every module on stderr.
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const hooks = `import { writeSync } from 'node:fs';
export async function load(url, context, next) { writeSync(2, 'LOADED ' + url + '\\n'); return next(url, context); }`;
const preload = (hooksUrl: string) => `import { register } from 'node:module'; register(${JSON.stringify(hooksUrl)});`;

const initialize = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
})}\n`;

/** Runs the CLI with the hook until `done(stdout, loaded)` holds (then ends stdin) and it exits; returns the loaded URLs. */
function loadedModules(args: string[], done: (stdout: string, loaded: string[]) => boolean): Promise<string[]> {
  const dir = tempDir({ 'hooks.mjs': hooks });
  cleanups.push(dir.cleanup);
  const t = tempDir({ 'preload.mjs': preload(pathToFileURL(dir.path('hooks.mjs')).href) });
  cleanups.push(t.cleanup);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(t.path('preload.mjs')).href, cliPath, ...args], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    const loaded = () => [...stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]!);
    const check = () => {
      if (child.stdin.writable && done(stdout, loaded())) child.stdin.end();
    };
    child.stdout.on('data', (d) => ((stdout += d), check()));
    child.stderr.on('data', (d) => ((stderr += d), check()));
    const timer = setTimeout(() => reject(new Error(`timed out; stderr:\n${stderr.slice(-3000)}`)), 30_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(loaded());
    });
    child.stdin.write(initialize);
  });
}

const httpStack =
  /plugins\/transport-http\/dist\/(index|http-upstream|connectors)\.js|sdk\/dist\/esm\/(server|client)\/(streamableHttp|sse)\.js|node_modules\/ws\//;

describe('the CLI loads only what the run needs', () => {
  it('--help loads neither the kernel nor the hub', async () => {
    const loaded = await loadedModules(['--help'], () => false);
    expect(loaded.some((url) => url.endsWith('/cli.js'))).toBe(true);
    expect(loaded.filter((url) => /packages\/(kernel|hub)\/dist\/|cli\.(kernel|hub)\.js|(doctor|list|run-proxy)\.js$/.test(url))).toEqual([]);
  });

  it('a stdio run with a JSON config and stdio servers loads no HTTP stack and no cosmiconfig', async () => {
    const dir = tempDir({ 'c.json': { mcpServers: { echo: fixtureServerEntry('echo') } } });
    cleanups.push(dir.cleanup);
    const loaded = await loadedModules(['--config', dir.path('c.json'), '--log-level', 'warn'], (stdout) => stdout.includes('"id":1'));
    expect(loaded.some((url) => url.endsWith('/dist/cli.hub.js'))).toBe(true);
    expect(loaded.filter((url) => httpStack.test(url) || url.includes('/cosmiconfig/'))).toEqual([]);
  });

  it('runs as a bundle: none of the modules of our packages the CLI bundles is loaded one by one', async () => {
    const dir = tempDir({ 'c.json': { mcpServers: { echo: fixtureServerEntry('echo') } } });
    cleanups.push(dir.cleanup);
    const loaded = await loadedModules(['--config', dir.path('c.json'), '--log-level', 'warn'], (stdout) => stdout.includes('"id":1'));
    // Node 20 loads ES modules one file at a time; the bundle (bundle-cli.mjs) makes the ~280 of them a few chunks.
    const bundled =
      /\/(packages\/(kernel|hub)|plugins\/(transport-stdio|source-file|source-env|filter-rules))\/dist\/|\/node_modules\/(tsyringe|semver|commander)\/|apps\/proxy\/dist\/(?!cli(\.[\w-]+)?\.js$)/;
    expect(loaded.filter((url) => bundled.test(url))).toEqual([]);
    // What it shares with plugins stays one copy, from node_modules.
    expect(loaded.some((url) => url.includes('/plugin-api/dist/'))).toBe(true);
  });

  it("loads the SDK's client side only for a link: a run without servers answers without it", async () => {
    const sdkClientSide = /sdk\/dist\/esm\/client\/(index|stdio)\.js$|\/node_modules\/cross-spawn\//;
    const none = tempDir({ 'c.json': { mcpServers: {} } });
    cleanups.push(none.cleanup);
    const withoutServers = await loadedModules(['--config', none.path('c.json'), '--log-level', 'warn'], (stdout) => stdout.includes('"id":1'));
    expect(withoutServers.filter((url) => sdkClientSide.test(url))).toEqual([]);
    // A stdio server brings it (imported when its link opens, after the answer to initialize).
    const one = tempDir({ 'c.json': { mcpServers: { echo: fixtureServerEntry('echo') } } });
    cleanups.push(one.cleanup);
    const withServer = await loadedModules(
      ['--config', one.path('c.json'), '--log-level', 'warn'],
      (stdout, urls) => stdout.includes('"id":1') && urls.some((url) => url.endsWith('/client/index.js')),
    );
    expect(withServer.filter((url) => /sdk\/dist\/esm\/client\/(index|stdio)\.js$/.test(url))).toHaveLength(2);
  });

  it('loads the HTTP transport when a server needs it', async () => {
    const dir = tempDir({ 'c.json': { mcpServers: { remote: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' } } } });
    cleanups.push(dir.cleanup);
    const loaded = await loadedModules(
      ['--config', dir.path('c.json'), '--log-level', 'warn'],
      (stdout, urls) => stdout.includes('"id":1') && urls.some((url) => httpStack.test(url)),
    );
    expect(loaded.filter((url) => url.includes('plugins/transport-http/dist/connectors.js'))).toHaveLength(1);
  });

  it('still rejects a bad `http` block at start when the front door is stdio (the HTTP plugin itself is not loaded yet)', async () => {
    const dir = tempDir({ 'c.json': { mcpServers: {}, http: { maxSessions: 0 } } });
    cleanups.push(dir.cleanup);
    const { code, stderr } = await runCli(['--config', dir.path('c.json')]);
    // As with the plugin loaded eagerly: the set-up fails, naming the plugin, the file and the key.
    expect(code).toBe(1);
    expect(stderr).toContain('SWB_PLUGIN_SETUP: plugin "transport-http" (builtin) failed to set up');
    expect(stderr).toContain('http.maxSessions: Too small');
  });
});
