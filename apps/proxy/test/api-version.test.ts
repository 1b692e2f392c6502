// End to end: the real CLI refuses a plugin built against a plugin API it does not provide, before anything
// starts, with exit code 2 and a message naming the plugin, both versions and the fix. The kernel's unit tests
// cover the version rules; this checks what a person running `mcp-switchboard` sees.
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { apiVersion as hostApiVersion } from '@mcp-switchboard/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, tempDir } from './helpers/cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
function temp(files: Record<string, string | object>) {
  const t = tempDir(files);
  cleanups.push(t.cleanup);
  return t;
}

const hostMajor = Number(hostApiVersion.split('.')[0]);
const hostMinor = Number(hostApiVersion.split('.')[1]);

/** A reporter plugin object, as source text, built for `version` and with no dependency on any package. */
const pluginSource = (id: string, version: string) =>
  `{ id: ${JSON.stringify(id)}, kind: 'reporter', apiVersion: ${JSON.stringify(version)}, deps: {}, setup() { return { onEvent() {} }; } }`;

/** A `.mjs` config holding the plugin objects themselves, with the echo fixture server. */
const mjsConfig = (...plugins: string[]) =>
  `export default {\n  mcpServers: { echo: ${JSON.stringify(fixtureServerEntry('echo'))} },\n  plugins: [\n    ${plugins.join(',\n    ')},\n  ],\n};\n`;

/** What every refusal must say: the plugin, its version, the host's version, and how to fix it. */
function expectRefusal(stderr: string, id: string, version: string) {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.includes('SWB_PLUGIN_API_VERSION') && l.includes(`"${id}"`));
  expect(at, `no SWB_PLUGIN_API_VERSION line naming "${id}" in:\n${stderr}`).toBeGreaterThanOrEqual(0);
  // The error line and its "fix:" line.
  const line = `${lines[at]}\n${lines[at + 1] ?? ''}`;
  expect(line).toContain(`plugin API ${version}`);
  expect(line).toContain(`plugin API ${hostApiVersion}`);
  // The fix: either side can move, and the message says which versions to look for.
  expect(line).toMatch(/upgrade mcp-switchboard/);
  expect(line).toMatch(new RegExp(`install a version of the plugin built for plugin API ${hostMajor}\\.x`));
  expect(stderr).toMatch(/fix: /);
}

describe('a plugin built for another plugin API version', () => {
  it('is refused from a .mjs config holding the plugin object: exit 2, naming the plugin, both versions and the fix', async () => {
    const future = `${hostMajor + 1}.0.0`;
    const t = temp({ 'switchboard.config.mjs': mjsConfig(pluginSource('future-plugin', future)) });
    const { code, stdout, stderr } = await runCli(['--config', t.path('switchboard.config.mjs')], { cwd: t.dir, env: cleanEnv(t.dir) });
    expect(code, stderr).toBe(2);
    expectRefusal(stderr, 'future-plugin', future);
    // Where it was listed, so the person can find it.
    expect(stderr).toContain(t.path('switchboard.config.mjs'));
    // Refused while validating, before any front door opened: nothing on the protocol channel.
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(/listening on/);
  });

  it('is refused when listed by path from a JSON config', async () => {
    const future = `${hostMajor + 1}.0.0`;
    const t = temp({
      'future-plugin.mjs': `export default ${pluginSource('future-plugin', future)};\n`,
      'switchboard.config.json': { mcpServers: { echo: fixtureServerEntry('echo') }, plugins: ['./future-plugin.mjs'] },
    });
    const { code, stdout, stderr } = await runCli(['--config', t.path('switchboard.config.json')], { cwd: t.dir, env: cleanEnv(t.dir) });
    expect(code, stderr).toBe(2);
    expectRefusal(stderr, 'future-plugin', future);
    expect(stderr).toContain('./future-plugin.mjs');
    expect(stdout).toBe('');
  });

  it('reports every refused plugin at once: a newer major, a newer minor and an older major', async () => {
    const future = `${hostMajor + 1}.0.0`;
    const newerMinor = `${hostMajor}.${hostMinor + 1}.0`;
    // plugin API 0.x never shipped a 1.0 contract: with a host at 0.x there is no older major to test.
    const older = hostMajor > 0 ? `${hostMajor - 1}.9.0` : undefined;
    const plugins = [pluginSource('future-plugin', future), pluginSource('next-minor-plugin', newerMinor)];
    if (older) plugins.push(pluginSource('past-plugin', older));
    const t = temp({ 'switchboard.config.mjs': mjsConfig(...plugins) });
    const { code, stderr } = await runCli(['--config', t.path('switchboard.config.mjs')], { cwd: t.dir, env: cleanEnv(t.dir) });
    expect(code, stderr).toBe(2);
    expectRefusal(stderr, 'future-plugin', future);
    expectRefusal(stderr, 'next-minor-plugin', newerMinor);
    if (older) {
      const all = stderr.split('\n');
      const at = all.findIndex((l) => l.includes('SWB_PLUGIN_API_VERSION') && l.includes('"past-plugin"'));
      expect(at, stderr).toBeGreaterThanOrEqual(0);
      const line = `${all[at]}\n${all[at + 1] ?? ''}`;
      expect(line).toContain(`plugin API ${older}`);
      expect(line).toContain(`plugin API ${hostApiVersion}`);
      // An old plugin on a new host: the plugin is what to upgrade.
      expect(line).toMatch(/upgrade the plugin/i);
      expect(line).not.toMatch(/upgrade mcp-switchboard/);
    }
  });

  it('the same plugin built for the host version loads and the proxy serves (the control)', async () => {
    const t = temp({ 'switchboard.config.mjs': mjsConfig(pluginSource('current-plugin', hostApiVersion), pluginSource('range-plugin', `^${hostMajor}.0.0`)) });
    const { code, stdout, stderr } = await runCli(['list', '--config', t.path('switchboard.config.mjs')], { cwd: t.dir, env: cleanEnv(t.dir) });
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('SWB_PLUGIN_API_VERSION');
    expect(stdout).toContain('echo__echo');
  });
});
