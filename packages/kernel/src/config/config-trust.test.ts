import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { distrust } from './config-trust.js';
import { findConfig } from './find-config.js';
import { loadConfig } from './load-config.js';
import { removeTempDirs, tempDir, writeFiles } from '../../test/helpers.js';

afterAll(removeTempDirs);

const me = { uid: 1000 };
const dir = (uid: number, mode: number) => ({ uid, mode: 0o040000 | mode });

describe('which discovered config files may be loaded', () => {
  it('trusts folders of the user or root that others cannot write', () => {
    expect(distrust('/home/me/p', dir(1000, 0o755), { uid: 1000 }, me)).toBeUndefined();
    expect(distrust('/srv/p', dir(0, 0o755), { uid: 0 }, me)).toBeUndefined();
  });

  it('refuses a folder owned by another user', () => {
    expect(distrust('/home/eve', dir(1001, 0o755), { uid: 1001 }, me)).toMatch(/belongs to another user \(uid 1001\)/);
  });

  it("refuses a folder every user can write, unless sticky and the file is the user's own", () => {
    expect(distrust('/shared', dir(1000, 0o777), { uid: 1000 }, me)).toMatch(/writable by every user/);
    expect(distrust('/tmp', dir(0, 0o1777), { uid: 1001 }, me)).toMatch(/shared folder \/tmp and belongs to another user/);
    expect(distrust('/tmp', dir(0, 0o1777), { uid: 1000 }, me)).toBeUndefined();
  });

  it('trusts everything where there are no uids (Windows)', () => {
    expect(distrust('C:\\Users\\Public', dir(1001, 0o777), { uid: 1001 }, { uid: undefined })).toBeUndefined();
  });
});

describe('config discovery boundaries', () => {
  it('never executes a .mjs config in a folder every user can write, and says so', async () => {
    const root = await tempDir();
    const marker = join(root, 'ran');
    await writeFiles(root, {
      'shared/switchboard.config.mjs': `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export default { mcpServers: {} };`,
      'shared/work/.keep': '',
    });
    await chmod(join(root, 'shared'), 0o777);
    const found = await findConfig({ cwd: join(root, 'shared', 'work'), stopDir: root, globalConfigDir: join(root, 'none') });
    expect(found.found).toBe(false);
    expect(found.skipped).toEqual([{ file: join(root, 'shared', 'switchboard.config.mjs'), reason: expect.stringMatching(/writable by every user/) }]);
    await expect(import('node:fs').then((fs) => fs.existsSync(marker))).resolves.toBe(false);
  });

  it('stops at the first project root (package.json or .git) and names the folders searched', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'switchboard.config.json': { mcpServers: {} }, 'project/package.json': { name: 'p' }, 'project/src/.keep': '' });
    const error = await loadConfig({ cwd: join(root, 'project', 'src'), env: {}, stopDir: root, globalConfigDir: join(root, 'none'), required: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as SwitchboardError).message).toContain(`looked in ${join(root, 'project', 'src')}, ${join(root, 'project')}, ${join(root, 'none')}`);

    await writeFile(join(root, 'project', '.git'), 'gitdir: elsewhere');
    await writeFiles(root, { 'project/package.json': { name: 'p', switchboard: { mcpServers: { here: { command: 'node' } } } } });
    const { filepath } = await loadConfig({ cwd: join(root, 'project', 'src'), env: {}, stopDir: root, globalConfigDir: join(root, 'none') });
    expect(filepath).toBe(join(root, 'project', 'package.json'));
  });
});
