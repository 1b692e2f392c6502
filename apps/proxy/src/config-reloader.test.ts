import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '@mcp-switchboard/testing';
import type { Kernel } from '@mcp-switchboard/kernel';
import { ConfigReloader } from './config-reloader.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Just what the reloader reads of a kernel: the config file, its watch setting, events and reload(). */
function fakeKernel(filepath: string) {
  const reloads: number[] = [];
  const kernel = {
    config: { filepath, current: { watch: true } },
    events: { subscribe: () => ({ unsubscribe() {}, idle: async () => {} }) },
    reload: async () => {
      reloads.push(Date.now());
      return { filepath, applied: ['mcpServers'], restartRequired: [] };
    },
  };
  return { kernel: kernel as unknown as Kernel, reloads };
}

describe('ConfigReloader', () => {
  it('reloads an edit made after the config was read but before the watch started (its event came too early)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'c.json');
    writeFileSync(file, '{"mcpServers":{}}');
    const loadedAtMs = Date.now() - 1000; // the config was read a second ago …
    writeFileSync(file, '{"mcpServers":{"a":{"command":"x"}}}'); // … and edited since, before start()
    const { kernel, reloads } = fakeKernel(file);
    const reloader = new ConfigReloader({ kernel, logger: createMemoryLogger(), debounceMs: 10, sighup: false, loadedAtMs });
    cleanups.push(() => reloader.close());
    reloader.start();
    await expect.poll(() => reloads.length, { timeout: 5000 }).toBe(1);
  });
});
