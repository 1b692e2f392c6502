import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './interpolate.js';

describe('interpolateEnv', () => {
  it('replaces ${VAR} and ${env:VAR} in nested strings, keeps escapes and non-strings', () => {
    const input = { a: 'x-${A}-${env:B}', list: ['${A}', 3, true, null], nested: { deep: ['$${A} stays', 'price $5'] } };
    const { value, missing } = interpolateEnv(input, { A: '1', B: '2' });
    expect(missing).toEqual([]);
    expect(value).toEqual({ a: 'x-1-2', list: ['1', 3, true, null], nested: { deep: ['${A} stays', 'price $5'] } });
  });

  it('collects every missing variable with its path', () => {
    const { missing } = interpolateEnv({ mcpServers: { github: { env: { GITHUB_TOKEN: '${TOKEN}' }, args: ['a', '${env:OTHER}'] } } }, {});
    expect(missing).toEqual([
      { variable: 'TOKEN', path: ['mcpServers', 'github', 'env', 'GITHUB_TOKEN'] },
      { variable: 'OTHER', path: ['mcpServers', 'github', 'args', 1] },
    ]);
  });

  it('names every variable it read, set or not, once (their values are secrets for the logs)', () => {
    const { referenced } = interpolateEnv({ a: '${A}-${A}', b: ['${env:B}', '$${NOT}'], c: '${MISSING}' }, { A: '1', B: '2' });
    expect(referenced).toEqual(['A', 'B', 'MISSING']);
  });

  it('treats an empty variable as set', () => {
    expect(interpolateEnv('${E}', { E: '' })).toEqual({ value: '', missing: [], referenced: ['E'] });
  });

  it('leaves plugin objects and class instances untouched', () => {
    const plugin = Object.freeze({ id: 'p', kind: 'filter', setup: () => ({}), note: '${MISSING}' });
    const date = new Date(0);
    const { value, missing } = interpolateEnv({ plugins: [plugin], when: date }, {});
    expect(missing).toEqual([]);
    expect((value as { plugins: unknown[] }).plugins[0]).toBe(plugin);
    expect((value as { when: unknown }).when).toBe(date);
  });
});
