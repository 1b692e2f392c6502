import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureNames, fixturePath, fixtureServerEntry, type FixtureName } from './fixture-path.js';

describe('fixturePath', () => {
  it('gives an absolute path to a built .js for every fixture', () => {
    for (const name of fixtureNames) {
      const path = fixturePath(name);
      expect(isAbsolute(path)).toBe(true);
      expect(path).toMatch(new RegExp(`[/\\\\]dist[/\\\\]fixtures[/\\\\]${name}-server\\.js$`));
      expect(existsSync(path), `${path} (build packages/testing first)`).toBe(true);
    }
  });

  it('names the known fixtures when given an unknown one', () => {
    expect(() => fixturePath('nope' as FixtureName)).toThrow(/unknown fixture "nope".*echo, long-names/);
  });
});

describe('fixtureServerEntry', () => {
  it('runs the fixture with this Node and a copy of the env', () => {
    const env = { FIXTURE_NAME: 'notes' };
    const entry = fixtureServerEntry('echo', env);
    expect(entry).toEqual({ command: process.execPath, args: [fixturePath('echo')], env: { FIXTURE_NAME: 'notes' } });
    expect(entry.env).not.toBe(env);
    expect(fixtureServerEntry('progress').env).toEqual({});
  });
});
