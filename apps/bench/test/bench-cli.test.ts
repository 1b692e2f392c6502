import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/bench-report.js';

const haproxyFound = spawnSync('haproxy', ['-v']).status === 0;

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../dist/index.js', import.meta.url));

// Checks the bench works end to end (on the direct target); it asserts no timings.
describe('bench CLI', () => {
  let dir: string | undefined;
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('measures the echo fixture, prints a table and writes the JSON report', async () => {
    expect(existsSync(cli), `${cli} is missing: build apps/bench first`).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'bench-cli-test-'));
    const json = join(dir, 'out.json');
    const args = [cli, '--only', 'direct', '--rounds', '2', '--calls', '20', '--concurrent-calls', '40', '--concurrency', '4', '--warmup', '5', '--json', json];
    const { stdout } = await run(process.execPath, args);
    expect(stdout).toMatch(/^direct \(echo\) /m);

    const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
    const direct = report.targets.direct!;
    expect(direct.sequential).toMatchObject({ rounds: 2, callsPerRound: 20, errors: 0, latency: { count: 40 } });
    expect(direct.concurrent).toMatchObject({ rounds: 2, callsPerRound: 40, concurrency: 4, errors: 0, latency: { count: 80 } });
    expect(report.ratios).toBeUndefined();
    expect(report.rows).toEqual([]);
    expect(report.leftoverProcesses).toEqual([]);
  });

  it('quick mode runs every row against its reference and leaves no process behind', async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'bench-cli-test-'));
    const json = join(dir, 'quick.json');
    const args = [cli, '--quick', '--calls', '20', '--concurrent-calls', '64', '--concurrency', '8', '--http-calls', '32', '--warmup', '5', '--json', json];
    const { stdout } = await run(process.execPath, args);
    expect(stdout).toMatch(/^relay \(echo\) /m);
    expect(stdout).toMatch(/^message relay \(echo\) /m);

    const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
    expect(report.failures).toEqual([]);
    expect(report.leftoverProcesses).toEqual([]);
    expect(report.rows.map((row) => row.id)).toEqual([
      'echo-p50',
      'echo-throughput',
      'echo-p50-messages',
      'echo-throughput-messages',
      'echo-p99',
      'http-throughput',
      'startup-initialize',
      'startup-help',
      'rss-10-servers',
      'list-5000',
      // The replicas row needs HAProxy (.ci/run installs it); without it the row is skipped, saying why.
      ...(haproxyFound ? ['replicas-2-vs-1'] : []),
    ]);
    if (!haproxyFound) expect(report.skipped.join('\n')).toContain('replicas: the haproxy binary is not installed');
    for (const row of report.rows) {
      expect(row.subject.value, row.id).toBeGreaterThan(0);
      expect(row.reference.value, row.id).toBeGreaterThan(0);
      expect(row.ratio, row.id).toBe(row.subject.value / row.reference.value);
    }
  }, 180_000);

  it('exits 2 on a bad flag', async () => {
    await expect(run(process.execPath, [cli, '--calls', 'many'])).rejects.toMatchObject({ code: 2 });
  });
});
