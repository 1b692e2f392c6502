// What a user meets: a server that floods stderr does not flood the log, and a deleted --log-file comes back.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, tempDir } from './helpers/cli.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { startRawProxy } from './helpers/processes.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('child stderr and the log file are bounded', () => {
  it('a server flooding stderr: a bounded number of its lines is logged, with a note of what was dropped', async () => {
    const home = tempDir();
    const flood =
      "for (let i = 0; i < 300000; i++) process.stderr.write('noise ' + i + '\\n'); process.stderr.write('z'.repeat(1e6) + '\\n'); process.exitCode = 3;";
    const t = tempDir({ 'c.json': { supervision: { maxFailures: 1 }, mcpServers: { noisy: { command: process.execPath, args: ['-e', flood] } } } });
    cleanups.push(home.cleanup, t.cleanup);
    const startedAt = Date.now();
    const result = await runCli(['list', '--config', t.path('c.json'), '--log-level', 'info'], { env: cleanEnv(home.dir), timeoutMs: 60_000 });
    const seconds = Math.ceil((Date.now() - startedAt) / 1000);
    const noise = result.stderr.split('\n').filter((line) => line.includes('"msg":"noise '));
    expect(noise.length).toBeGreaterThan(0);
    // The default limits: a burst of 200 lines, then 20 a second (a loaded machine makes the run, and so the
    // allowance, longer); far below the 300,000 lines the server wrote.
    expect(noise.length).toBeLessThanOrEqual(200 + 20 * seconds);
    expect(result.stderr.length).toBeLessThan(1_000_000);
    expect(result.stderr).toMatch(/server wrote too much on stderr: \d+ lines \/ \d+ bytes dropped/);
  });

  it('a deleted --log-file is created again and written to', async () => {
    const t = tempDir({ 'c.json': { mcpServers: { fault: fixtureServerEntry('fault') } } });
    cleanups.push(t.cleanup);
    const logFile = t.path('logs/switchboard.log');
    const proxy = startRawProxy(['--config', t.path('c.json'), '--log-file', logFile, '--log-level', 'info']);
    cleanups.push(() => proxy.kill());
    await proxy.initialize();
    await expect.poll(() => existsSync(logFile) && readFileSync(logFile, 'utf8'), { timeout: 20_000 }).toContain('"server \\"fault\\" ready"');
    rmSync(t.path('logs'), { recursive: true });
    // Reloads log a line each; the file is looked for again at most once a second.
    await expect
      .poll(
        () => {
          proxy.child.kill('SIGHUP');
          return existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        },
        { timeout: 20_000, interval: 500 },
      )
      .toContain('config reloaded');
  });
});
