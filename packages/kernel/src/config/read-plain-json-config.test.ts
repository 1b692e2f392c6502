import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConfig } from './find-config.js';
import { readPlainJsonConfig } from './read-plain-json-config.js';

describe('readPlainJsonConfig (an explicit .json config read without cosmiconfig)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plain-json-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, content: string) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  it('reads a JSON object, and an empty file as no config', async () => {
    expect(await readPlainJsonConfig(await file('a.json', '\ufeff{"mcpServers":{}}'))).toEqual({ read: true, config: { mcpServers: {} } });
    expect(await readPlainJsonConfig(await file('empty.json', ' \n'))).toEqual({ read: true, config: undefined });
    const found = await findConfig({ cwd: dir, configFile: 'empty.json', globalConfigDir: join(dir, 'none') });
    expect(found).toEqual({ found: true, raw: {}, filepath: join(dir, 'empty.json'), skipped: [] });
  });

  it('leaves package.json, other extensions and $import to cosmiconfig, which findConfig then uses', async () => {
    expect(await readPlainJsonConfig(await file('package.json', '{"switchboard":{"mcpServers":{}}}'))).toEqual({ read: false });
    expect(await readPlainJsonConfig(await file('c.yaml', 'mcpServers: {}'))).toEqual({ read: false });
    await file('base.json', '{"mcpServers":{"a":{"command":"x"}}}');
    const importing = await file('importing.json', '{"$import":"base.json","logLevel":"warn"}');
    expect(await readPlainJsonConfig(importing)).toEqual({ read: false });
    const found = await findConfig({ cwd: dir, configFile: 'importing.json', globalConfigDir: join(dir, 'none') });
    expect(found).toEqual({ found: true, raw: { mcpServers: { a: { command: 'x' } }, logLevel: 'warn' }, filepath: importing, skipped: [] });
    const pkg = await findConfig({ cwd: dir, configFile: 'package.json', globalConfigDir: join(dir, 'none') });
    expect(pkg).toMatchObject({ raw: { mcpServers: {} } });
  });

  it('reports invalid JSON with the file, line and column, as the loader does', async () => {
    const bad = await file('bad.json', '{\n  "mcpServers": {,}\n}');
    await expect(readPlainJsonConfig(bad)).rejects.toMatchObject({ code: 'SWB_CONFIG_PARSE', filepath: bad, message: expect.stringContaining(`${bad}:2:`) });
  });
});
