import { describe, expect, it } from 'vitest';
import { coreServices } from '@mcp-switchboard/plugin-api';
import { rootContainer } from './di.js';
import { KernelLifecycle } from './lifecycle/lifecycle.js';
import { memoryLogger } from '../test/helpers.js';

describe('explicit @inject wiring', () => {
  it('builds a kernel class from token ids without emitted metadata', async () => {
    const container = rootContainer.createChildContainer();
    const logger = memoryLogger();
    container.register(coreServices.logger.id, { useValue: logger });
    container.register(coreServices.clock.id, { useValue: { now: () => 0, setTimeout, clearTimeout } });
    container.registerSingleton(coreServices.lifecycle.id, KernelLifecycle);
    const lifecycle = container.resolve<KernelLifecycle>(coreServices.lifecycle.id);
    expect(lifecycle).toBeInstanceOf(KernelLifecycle);
    expect(container.resolve(coreServices.lifecycle.id)).toBe(lifecycle);
    // The injected logger and clock are the registered ones: a late hook is reported through them.
    await lifecycle.runStop(100);
    lifecycle.onStop(() => {});
    expect(logger.lines.map((l) => l.message)).toContain('a stop hook was registered after stop; it will not run');
    // Nothing leaks into the global container.
    expect(rootContainer.isRegistered(coreServices.lifecycle.id)).toBe(false);
  });
});
