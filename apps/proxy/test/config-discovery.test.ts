import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, tempDir } from './helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** A config that proves it ran by leaving a file behind: what an attacker would plant. */
function plantedConfig(dir: string, marker: string): void {
  writeFileSync(
    join(dir, 'switchboard.config.mjs'),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { mcpServers: {} };\n`,
  );
}

describe('config discovery from a shared folder (end to end)', () => {
  it('does not run a config planted in a folder every user can write, and lists what it searched', async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const shared = join(temp.dir, 'shared');
    mkdirSync(join(shared, 'work'), { recursive: true });
    mkdirSync(join(temp.dir, 'home'));
    const marker = join(temp.dir, 'planted-config-ran');
    plantedConfig(shared, marker);
    chmodSync(shared, 0o777);

    const result = await runCli(['list'], { cwd: join(shared, 'work'), env: cleanEnv(join(temp.dir, 'home')) });
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SWB_CONFIG_NOT_FOUND');
    expect(result.stderr).toContain(`looked in ${join(shared, 'work')}, ${shared}`);
    expect(result.stderr).toContain(`ignored ${join(shared, 'switchboard.config.mjs')} (its folder ${shared} is writable by every user)`);
  });

  it.skipIf(!isRoot)('does not run a config in a folder owned by another user', async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const theirs = join(temp.dir, 'theirs');
    mkdirSync(join(theirs, 'work'), { recursive: true });
    mkdirSync(join(temp.dir, 'home'));
    const marker = join(temp.dir, 'planted-config-ran');
    plantedConfig(theirs, marker);
    chownSync(theirs, 65534, 65534);
    chownSync(join(theirs, 'switchboard.config.mjs'), 65534, 65534);

    const result = await runCli(['list'], { cwd: join(theirs, 'work'), env: cleanEnv(join(temp.dir, 'home')) });
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`ignored ${join(theirs, 'switchboard.config.mjs')} (its folder ${theirs} belongs to another user (uid 65534))`);
  });
});
