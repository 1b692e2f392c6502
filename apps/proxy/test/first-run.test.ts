// The first ten minutes with the CLI: what a new user types and what they should see.
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cleanEnv, runCli, tempDir } from './helpers/cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function temp(files: Record<string, string | object> = {}) {
  const t = tempDir(files);
  cleanups.push(t.cleanup);
  return t;
}

describe('secrets on the command line', () => {
  it('--auth-token warns that the process list shows it; SWITCHBOARD_AUTH_TOKEN does not', async () => {
    const t = temp({ 'c.json': { mcpServers: { fault: fixtureServerEntry('fault') } } });
    const home = temp();
    const flag = await runCli(['list', '--config', t.path('c.json'), '--auth-token', 'tok-abcdef-123'], { env: cleanEnv(home.dir) });
    expect(flag.code).toBe(0);
    expect(flag.stderr).toContain('warning: --auth-token puts the secret in the process list');
    expect(flag.stderr).toContain('set SWITCHBOARD_AUTH_TOKEN instead');
    expect(flag.stderr).not.toContain('tok-abcdef-123');

    const env = await runCli(['list', '--config', t.path('c.json')], { env: cleanEnv(home.dir, { SWITCHBOARD_AUTH_TOKEN: 'tok-abcdef-123' }) });
    expect(env.code).toBe(0);
    expect(env.stderr).not.toContain('process list');
  });
});
