import { describe, expect, it } from 'vitest';
import { createFakeConfig } from './fake-config.js';

describe('createFakeConfig', () => {
  it('parses the input with the config schema and tells listeners about a replacement until they unsubscribe', () => {
    const config = createFakeConfig({ mcpServers: { a: { command: 'node' } } }, '/cfg/switchboard.config.json');
    expect(config.filepath).toBe('/cfg/switchboard.config.json');
    expect(config.current.mcpServers.a).toMatchObject({ command: 'node' });
    expect(config.current.namespace.separator).toBe('__');
    const seen: string[][] = [];
    const unsubscribe = config.onChange((next) => seen.push(Object.keys(next.mcpServers)));
    expect(config.listenerCount()).toBe(1);
    config.replace({ mcpServers: { b: { url: 'http://127.0.0.1:1/mcp' } } });
    unsubscribe();
    config.replace({ mcpServers: {} });
    expect(seen).toEqual([['b']]);
    expect(config.listenerCount()).toBe(0);
    expect(() => config.replace({ mcpServers: { c: {} } } as never)).toThrow();
    config.replace({ mcpServers: { c: {} } } as never, { validate: false });
    expect(config.current.mcpServers).toEqual({ c: {} });
  });
});
