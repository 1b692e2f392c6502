import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolvePlugins } from '@mcp-switchboard/kernel';
import { writeTempConfig, writeTempPackage } from './temp-config.js';

describe('writeTempConfig', () => {
  it('writes an object as switchboard.config.json, plus extra files, and cleans up', async () => {
    const temp = await writeTempConfig({ mcpServers: { a: { command: 'node' } } }, { files: { 'plugins/p.mjs': 'export default 1;', 'data.json': { x: 1 } } });
    expect(temp.file).toBe(join(temp.dir, 'switchboard.config.json'));
    expect(JSON.parse(await readFile(temp.file, 'utf8'))).toEqual({ mcpServers: { a: { command: 'node' } } });
    expect(await readFile(join(temp.dir, 'plugins', 'p.mjs'), 'utf8')).toBe('export default 1;');
    expect(JSON.parse(await readFile(join(temp.dir, 'data.json'), 'utf8'))).toEqual({ x: 1 });
    const { filepath } = await loadConfig({ cwd: temp.dir, env: {}, stopDir: temp.dir, globalConfigDir: join(temp.dir, 'none') });
    expect(filepath).toBe(temp.file);
    await temp.cleanup();
    expect(existsSync(temp.dir)).toBe(false);
  });

  it('writes raw text as it is, and an object under a .mjs name as a module', async () => {
    const yaml = await writeTempConfig('pageSize: 7\n', { filename: '.switchboardrc.yaml' });
    const mjs = await writeTempConfig({ pageSize: 8 }, { filename: 'switchboard.config.mjs' });
    try {
      const env = {};
      expect((await loadConfig({ cwd: yaml.dir, configFile: yaml.file, env })).config.pageSize).toBe(7);
      expect((await loadConfig({ cwd: mjs.dir, configFile: mjs.file, env })).config.pageSize).toBe(8);
    } finally {
      await yaml.cleanup();
      await mjs.cleanup();
    }
  });
});

describe('writeTempPackage', () => {
  it('makes a package the kernel resolves by short name (scoped too)', async () => {
    const temp = await writeTempConfig({});
    try {
      const plugin = (id: string) => `export default { id: '${id}', kind: 'filter', apiVersion: '1.0.0', setup: () => ({}) };`;
      await writeTempPackage(temp.dir, 'switchboard-plugin-one', plugin('one'));
      const scopedDir = await writeTempPackage(temp.dir, '@mcp-switchboard/plugin-two', { 'index.mjs': plugin('two'), 'README.md': '# two' });
      expect(scopedDir).toBe(join(temp.dir, 'node_modules', '@mcp-switchboard', 'plugin-two'));
      const manifest = JSON.parse(await readFile(join(scopedDir, 'package.json'), 'utf8'));
      expect(manifest).toMatchObject({ name: '@mcp-switchboard/plugin-two', type: 'module', exports: { '.': { import: './index.mjs' } } });
      const resolved = await resolvePlugins(['one', 'two'], { configDir: temp.dir, cwd: temp.dir });
      expect(resolved.map((r) => r.plugin.id)).toEqual(['one', 'two']);
    } finally {
      await temp.cleanup();
    }
  });
});
