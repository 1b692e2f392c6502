import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageFilePath, USAGE_FILE_NAME } from './usage-file-path.js';
import { UsageStore } from './usage-store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'usage-store-'));

describe('UsageStore', () => {
  it('starts empty without a file, counts, orders by calls then recency, and writes only when changed', async () => {
    const file = join(dir(), 'nested', 'usage.json');
    const store = new UsageStore(file);
    await store.load();
    expect(store.top(3)).toEqual([]);
    store.record('a/x', 1);
    store.record('b/y', 2);
    store.record('b/y', 3);
    store.record('c/z', 4);
    expect(store.top(2)).toEqual(['b/y', 'c/z']);
    await store.save();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      tools: { 'a/x': { calls: 1, lastUsed: 1 }, 'b/y': { calls: 2, lastUsed: 3 }, 'c/z': { calls: 1, lastUsed: 4 } },
    });
    expect(store.hasChanges).toBe(false);
  });

  it('reports a file that is not a usage file and starts a new history', async () => {
    const file = join(dir(), 'usage.json');
    writeFileSync(file, '{"tools": 3}');
    const problems: string[] = [];
    const store = new UsageStore(file, (m) => problems.push(m));
    await store.load();
    expect(problems[0]).toMatch(/is not a tool-usage file/);
    expect(store.top(1)).toEqual([]);
  });
});

describe('usageFilePath', () => {
  it('is beside the config by default, relative to it when given, off with false, else in the state folder', () => {
    expect(usageFilePath(undefined, '/cfg/switchboard.config.json')).toBe(`/cfg/${USAGE_FILE_NAME}`);
    expect(usageFilePath('state/u.json', '/cfg/switchboard.config.json')).toBe('/cfg/state/u.json');
    expect(usageFilePath('/abs/u.json', '/cfg/x.json')).toBe('/abs/u.json');
    expect(usageFilePath(false, '/cfg/x.json')).toBeUndefined();
    expect(usageFilePath(undefined, undefined, { XDG_STATE_HOME: '/state' })).toBe(`/state/switchboard/${USAGE_FILE_NAME}`);
  });
});
