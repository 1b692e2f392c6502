import { readFileSync, writeFileSync } from 'node:fs';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, tempDir } from './helpers/cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('mcp-switchboard pins (real CLI, echo fixture server)', () => {
  it('diffs the servers against switchboard.lock.json, approves a server or one tool, and names what changed', async () => {
    const t = tempDir({ 'switchboard.config.json': { mcpServers: { echo: fixtureServerEntry('echo') } } });
    cleanups.push(t.cleanup);
    const pins = (...args: string[]) => runCli(['--config', t.path('switchboard.config.json'), 'pins', ...args], { env: cleanEnv(t.dir) });
    const lockfile = t.path('switchboard.lock.json');

    const fresh = await pins('diff');
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toMatch(/echo\s+add\s+new/);
    expect(fresh.stdout).toMatch(/echo\s+echo\s+new/);

    const approved = await pins('approve', 'echo');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('echo/add (new)');
    const lock = JSON.parse(readFileSync(lockfile, 'utf8'));
    expect(Object.keys(lock.servers.echo)).toEqual(['add', 'echo']);
    expect((await pins('diff')).stdout).toContain('Every tool matches');

    // The pinned description of echo/echo no longer matches what the server lists.
    lock.servers.echo.echo.fields.description = '0000';
    lock.servers.echo.echo.hash = '0000';
    writeFileSync(lockfile, JSON.stringify(lock));
    const changed = await pins('diff', 'echo');
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/echo\s+echo\s+changed\s+description/);
    expect(changed.stdout).toContain('echo/echo now has\n  description: Returns its input text unchanged.');

    expect((await pins('approve', 'echo/echo')).code).toBe(0);
    const clean = await pins('diff');
    expect([clean.code, clean.stdout]).toEqual([0, `Every tool matches ${lockfile}.\n`]);
  });

  it('refuses to approve a server that is not in the config, with a code and a fix', async () => {
    const t = tempDir({ 'switchboard.config.json': { mcpServers: { echo: fixtureServerEntry('echo') } } });
    cleanups.push(t.cleanup);
    const result = await runCli(['--config', t.path('switchboard.config.json'), 'pins', 'approve', 'nope'], { env: cleanEnv(t.dir) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SWB_SERVER_UNAVAILABLE');
    expect(result.stderr).toContain('server "nope" is not in the config');
  });
});
