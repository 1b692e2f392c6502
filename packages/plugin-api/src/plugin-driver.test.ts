import { describe, expect, it } from 'vitest';
import { SwitchboardError, errorCatalogue } from './errors.js';
import { PluginDriver, PluginHookError, withPluginIds, type Contributed } from './plugin-driver.js';

interface Hooks {
  check?(value: number): boolean;
  run?(value: number): Promise<number> | number;
}

const entry = (pluginId: string, contribution: Hooks): Contributed<Hooks> => ({ pluginId, contribution });

describe('PluginDriver', () => {
  it('names the plugin and hook of a bug, and keeps what was thrown as the cause', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const driver = new PluginDriver([entry('fine', { run: (v) => v + 1 }), entry('buggy', { run: () => Promise.reject(bug) })]);
    const error = await driver.sequential('run', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginHookError);
    expect(error).toMatchObject({ code: 'SWB_PLUGIN_HOOK', pluginId: 'buggy', hook: 'run', cause: bug, isBug: true });
    expect((error as Error).message).toBe(`plugin "buggy" failed in its run() hook: ${bug.message}`);
    expect((error as SwitchboardError).fix).toBe(errorCatalogue.SWB_PLUGIN_HOOK.fix);
    expect((error as SwitchboardError).details).toEqual({ plugin: 'buggy', hook: 'run' });
  });

  it("keeps the author's code, message, fix and details of a SwitchboardError", () => {
    const denied = new SwitchboardError('SWB_TOOL_DENIED', 'not today', { fix: 'ask tomorrow', details: { tool: 't' } });
    const driver = new PluginDriver([
      entry('guard', {
        check: () => {
          throw denied;
        },
      }),
    ]);
    let error: unknown;
    try {
      driver.firstSync('check', (v) => v === false, 1);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'SWB_TOOL_DENIED', message: 'not today', fix: 'ask tomorrow', pluginId: 'guard', hook: 'check', isBug: false });
    expect((error as SwitchboardError).details).toEqual({ tool: 't', plugin: 'guard', hook: 'check' });
  });

  it('stops firstSync at the first answer asked for, skipping contributions without the hook', () => {
    const seen: string[] = [];
    const hook = (id: string, answer: boolean): Contributed<Hooks> => entry(id, { check: () => (seen.push(id), answer) });
    const driver = new PluginDriver([hook('a', true), entry('none', {}), hook('b', false), hook('c', false)]);
    expect(driver.firstSync('check', (v) => v === false, 1)?.pluginId).toBe('b');
    expect(seen).toEqual(['a', 'b']);
    expect(driver.has('check')).toBe(true);
    expect(new PluginDriver([entry('none', {})]).has('check')).toBe(false);
  });

  it('runs parallel hooks to the end and reports each outcome in plugin order', async () => {
    const driver = new PluginDriver([
      entry('a', { run: async (v) => v * 2 }),
      entry('b', {
        run: () => {
          throw new Error('boom');
        },
      }),
      entry('c', {}),
    ]);
    const outcomes = await driver.parallel('run', 21);
    expect(outcomes.map((o) => [o.pluginId, o.status])).toEqual([
      ['a', 'fulfilled'],
      ['b', 'rejected'],
      ['c', 'fulfilled'],
    ]);
    expect(outcomes[0]).toMatchObject({ value: 42 });
    expect(outcomes[1]).toMatchObject({ error: { pluginId: 'b', hook: 'run', code: 'SWB_PLUGIN_HOOK' } });
  });

  it('gives bare contributions an id of their kind and position', () => {
    const bare: Hooks = {};
    const named = entry('named', {});
    expect(withPluginIds('filter', [bare, named])).toEqual([{ pluginId: 'filter #1', contribution: bare }, named]);
  });
});

describe('formatError of a hook failure', () => {
  it("says the author's error once, with the plugin and hook, and the author's fix", async () => {
    const { formatError } = await import('./errors.js');
    const own = new PluginHookError('src', 'load', new SwitchboardError('SWB_SOURCE_FAILED', 'api down', { fix: 'wait' }));
    expect(formatError(own)).toBe('SWB_SOURCE_FAILED: api down\n   from: plugin "src", load()\n   fix: wait');
    const bug = new PluginHookError('src', 'load', new TypeError('x is not a function'));
    expect(formatError(bug)).toBe(
      `SWB_PLUGIN_HOOK: plugin "src" failed in its load() hook: x is not a function\n   cause: x is not a function\n   fix: ${errorCatalogue.SWB_PLUGIN_HOOK.fix}`,
    );
  });
});

describe('PluginDriver time limit', () => {
  it('fails a hook that does not answer in time, naming the plugin and hook, on the given clock', async () => {
    const timers: Array<{ ms: number; fire: () => void }> = [];
    const clock = { now: () => 0, setTimeout: (fire: () => void, ms: number) => timers.push({ ms, fire }), clearTimeout: () => undefined };
    const driver = new PluginDriver([entry('quick', { run: async (v) => v }), entry('stuck', { run: () => new Promise<number>(() => {}) })], {
      timeoutMs: 500,
      clock,
    });
    await expect(driver.call(driver.entries[0]!, 'run', 7)).resolves.toBe(7);
    const stuck = driver.call(driver.entries[1]!, 'run', 7).catch((e: unknown) => e);
    expect(timers.map((t) => t.ms)).toEqual([500, 500]);
    timers[1]!.fire();
    expect(await stuck).toMatchObject({
      code: 'SWB_PLUGIN_HOOK',
      pluginId: 'stuck',
      hook: 'run',
      message: 'plugin "stuck" failed in its run() hook: did not answer within 500 ms',
    });
  });
});

describe('PluginDriver.callEither', () => {
  it('answers a synchronous hook at once and throws its failure at once, wrapped; a promise is limited and wrapped', async () => {
    const timers: Array<{ ms: number; fire: () => void }> = [];
    const clock = { now: () => 0, setTimeout: (fire: () => void, ms: number) => timers.push({ ms, fire }), clearTimeout: () => undefined };
    const bug = new TypeError('sync bug');
    const driver = new PluginDriver(
      [
        entry('sync', { run: (v) => v * 2 }),
        entry('throws', {
          run: () => {
            throw bug;
          },
        }),
        entry('async', { run: async (v) => v + 1 }),
        entry('stuck', { run: () => new Promise<number>(() => {}) }),
      ],
      { timeoutMs: 500, clock },
    );
    const [sync, throws, async, stuck] = driver.entries;
    expect(driver.callEither(sync!, 'run', 4)).toBe(8);
    expect(timers).toEqual([]); // no timer for an answer that is already there
    let thrown: unknown;
    try {
      driver.callEither(throws!, 'run', 4);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ pluginId: 'throws', hook: 'run', cause: bug, isBug: true });
    const later = driver.callEither(async!, 'run', 4);
    expect(later).toBeInstanceOf(Promise);
    await expect(later).resolves.toBe(5);
    const waiting = (driver.callEither(stuck!, 'run', 4) as Promise<unknown>).catch((e: unknown) => e);
    timers.at(-1)!.fire();
    expect(await waiting).toMatchObject({ pluginId: 'stuck', hook: 'run', message: 'plugin "stuck" failed in its run() hook: did not answer within 500 ms' });
  });
});

describe('PluginDriver: the plugin scope', () => {
  it('runs each hook in its plugin\u2019s async scope, so timers it starts know their plugin', async () => {
    const { currentPluginId } = await import('./plugin-scope.js');
    const seen: Array<string | undefined> = [];
    const hook = { run: () => new Promise<void>((resolve) => setTimeout(() => (seen.push(currentPluginId()), resolve()), 0)) };
    const driver = new PluginDriver([{ pluginId: 'owner', contribution: hook }]);
    await driver.sequential('run');
    expect(seen).toEqual(['owner']);
    expect(currentPluginId()).toBeUndefined();
  });
});
