import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkApiVersion } from './check-api-version.js';

describe('checkApiVersion (host 1.2.3)', () => {
  const host = '1.2.3';
  it.each(['1.0.0', '1.2.0', '1.2.9', '^1.0.0', '>=1.1 <2'])('accepts %s', (version) => {
    expect(checkApiVersion(version, host)).toEqual({ ok: true });
  });
  it.each([
    ['2.0.0', 'was built for plugin API 2.0.0, but this mcp-switchboard provides plugin API 1.2.3'],
    ['1.3.0', 'was built for plugin API 1.3.0'],
    ['0.9.0', 'was built for plugin API 0.9.0'],
    ['^2.0.0', 'requires plugin API ^2.0.0'],
  ])('refuses %s', (version, reason) => {
    const result = checkApiVersion(version, host);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
    expect(!result.ok && result.invalid).toBe(false);
  });
  it('calls a missing or garbled version invalid', () => {
    expect(checkApiVersion(undefined, host)).toMatchObject({ ok: false, invalid: true });
    expect(checkApiVersion('banana', host)).toMatchObject({ ok: false, invalid: true });
  });
});

describe('checkApiVersion (host 2.0.0, still loading 1.x up to 1.0.0)', () => {
  it.each(['2.0.0', '1.0.0', '^1.0.0', '^2.0.0'])('accepts %s', (version) => {
    expect(checkApiVersion(version, '2.0.0', ['1.0.0'])).toEqual({ ok: true });
  });
  it.each(['2.1.0', '1.1.0', '3.0.0', '0.9.0', '^1.1.0'])('refuses %s, naming both APIs it provides', (version) => {
    const result = checkApiVersion(version, '2.0.0', ['1.0.0']);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('2.0.0 (and 1.x up to 1.0.0)');
  });
  it('tells a plugin built for an unknown 1.x minor to upgrade itself, not the host', () => {
    const result = checkApiVersion('1.1.0', '2.0.0', ['1.0.0']);
    expect(!result.ok && result.fix).toMatch(/^Upgrade the plugin/);
    expect(!result.ok && result.fix).not.toMatch(/upgrade mcp-switchboard/);
  });
  it('is what the host uses by default: a 1.0.0 plugin loads on this plugin API', () => {
    expect(checkApiVersion('1.0.0')).toEqual({ ok: true });
  });
});

describe('checkApiVersion and semver', () => {
  it("accepts the host's own plugin API without loading semver, and loads it for anything else", async () => {
    const dist = fileURLToPath(new URL('../../dist/plugins/check-api-version.js', import.meta.url));
    const script = `const loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]semver[\\\\/]/.test(file));
      Promise.all([import(${JSON.stringify(dist)}), import('@mcp-switchboard/plugin-api')]).then(([{ checkApiVersion }, { apiVersion }]) => {
        const own = checkApiVersion(apiVersion);
        const before = loaded();
        const range = checkApiVersion('^' + apiVersion);
        process.stdout.write(JSON.stringify({ own, before, range, after: loaded() }));
      });`;
    const cwd = fileURLToPath(new URL('../..', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd });
    expect(JSON.parse(stdout)).toEqual({ own: { ok: true }, before: false, range: { ok: true }, after: true });
  });
});
