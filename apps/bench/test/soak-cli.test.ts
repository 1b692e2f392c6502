import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { SoakReport } from '../src/soak-report.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../dist/index.js', import.meta.url));

// A short soak, so CI proves `npm run bench -- soak` works: the fault fixture crashes every 300 calls and the
// proxy restarts it. It asserts no timings: counts, the absence of hangs and leaks, and the exit code.
describe('bench soak (smoke)', () => {
  let dir: string | undefined;
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('2,000 calls with a crash every 300: every call answered or failed naming the server, nothing left running', { timeout: 180_000 }, async () => {
    expect(existsSync(cli), `${cli} is missing: build apps/bench first`).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'bench-soak-test-'));
    const json = join(dir, 'soak.json');
    const args = [cli, 'soak', '--calls', '2000', '--crash-every', '300', '--concurrency', '4', '--warmup-calls', '200', '--json', json];
    const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`the soak failed:\n${error.stdout ?? ''}\n${error.stderr ?? error.message}`);
      },
    );
    expect(stdout).toMatch(/^PASS/m);

    const report = JSON.parse(await readFile(json, 'utf8')) as SoakReport;
    expect(report.kind).toBe('soak');
    expect(report.failures).toEqual([]);
    expect(report.issued).toBe(2000);
    expect(report.ok + report.errors).toBe(2000);
    expect(report.hangs).toBe(0);
    expect(report.errorsNamingServer).toBe(report.errors);
    expect(report.errors).toBeLessThanOrEqual(report.allowedErrors);
    // The server really crashed and came back: 2,000 calls at one crash per 300 answered calls is six crashes.
    expect(report.serverLives).toBeGreaterThanOrEqual(6);
    expect(report.leftoverProcesses).toEqual([]);
    expect(report.samples.length).toBeGreaterThanOrEqual(2);
  });

  it('exits 2 on a bad flag', async () => {
    await expect(run(process.execPath, [cli, 'soak', '--crash-every', 'often'])).rejects.toMatchObject({ code: 2 });
  });
});
