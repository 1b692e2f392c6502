import { describe, expect, it } from 'vitest';
import type { SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { KernelEventBus } from './event-bus.js';
import { BoundedQueue } from './bounded-queue.js';
import { memoryLogger } from '../../test/helpers.js';

const event = (n: number): SwitchboardEvent => ({ type: 'catalog.changed', tools: n, prompts: 0, resources: 0, at: n });

describe('BoundedQueue', () => {
  it('keeps order and drops the oldest when full', () => {
    const queue = new BoundedQueue<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => queue.push(n))).toEqual([false, false, false, true, true]);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([3, 4, 5, undefined]);
  });
});

describe('KernelEventBus', () => {
  it('delivers every event to every receiver, after emit returns', async () => {
    const bus = new KernelEventBus(memoryLogger(), 100);
    const a: number[] = [];
    const b: number[] = [];
    const subscription = bus.subscribe('reporter "a"', (e) => void a.push((e as { tools: number }).tools));
    bus.on((e) => void b.push((e as { tools: number }).tools));
    bus.emit(event(1));
    bus.emit(event(2));
    expect(a).toEqual([]); // nothing runs on the emitter's turn
    await subscription.idle();
    await bus.idle();
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([1, 2]);
  });

  it('a receiver that names its event types gets only those, and its queue stays idle for the rest', async () => {
    const bus = new KernelEventBus(memoryLogger(), 100);
    const seen: string[] = [];
    const subscription = bus.subscribe('config reloader', (e) => void seen.push(e.type), ['config.changed']);
    bus.emit(event(1));
    expect(bus.stats()).toEqual([{ name: 'config reloader', queued: 0, dropped: 0, errors: 0 }]);
    bus.emit({ type: 'config.changed', added: ['a'], removed: [], changed: [], at: 2 });
    await subscription.idle();
    expect(seen).toEqual(['config.changed']);
    // What anyone wants: emitters skip building the rest.
    expect([bus.wants('config.changed'), bus.wants('call.finished')]).toEqual([true, false]);
    const everything = bus.subscribe('reporter "all"', () => undefined);
    expect(bus.wants('call.finished')).toBe(true);
    everything.unsubscribe();
    expect(bus.wants('call.finished')).toBe(false);
  });

  it('a throwing reporter is logged with its name and neither the emitter nor others notice', async () => {
    const logger = memoryLogger();
    const bus = new KernelEventBus(logger, 100);
    const good: number[] = [];
    bus.subscribe('reporter "broken"', () => {
      throw new Error('reporter bug');
    });
    bus.subscribe('reporter "async-broken"', async () => Promise.reject(new Error('async bug')));
    bus.subscribe('reporter "good"', (e) => void good.push((e as { tools: number }).tools));
    expect(() => bus.emit(event(1))).not.toThrow();
    await bus.idle();
    expect(good).toEqual([1]);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.message)).toEqual([
      'reporter "broken" failed on a catalog.changed event',
      'reporter "async-broken" failed on a catalog.changed event',
    ]);
    expect((errors[0]!.fields.err as Error).message).toBe('reporter bug');
    expect(bus.stats().find((s) => s.name === 'reporter "broken"')?.errors).toBe(1);
  });

  it('a slow reporter overflows its own queue only: oldest dropped, counted, one warning per burst', async () => {
    const logger = memoryLogger();
    const bus = new KernelEventBus(logger, 5);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: number[] = [];
    const fast: number[] = [];
    const told: unknown[] = [];
    bus.subscribe('reporter "slow"', async (e) => {
      await gate;
      if (e.type === 'events.dropped') told.push({ dropped: e.dropped, total: e.total });
      else slow.push((e as { tools: number }).tools);
    });
    bus.subscribe('reporter "fast"', (e) => void fast.push((e as { tools: number }).tools));

    const tick = () => new Promise((resolve) => setImmediate(resolve));
    bus.emit(event(0));
    await tick(); // the slow one now holds event 0 and waits
    for (let n = 1; n <= 20; n++) {
      bus.emit(event(n));
      if (n % 2 === 0) await tick(); // the fast one keeps up between bursts
    }
    await tick();
    expect(fast).toEqual(Array.from({ length: 21 }, (_, n) => n));

    const stats = bus.stats().find((s) => s.name === 'reporter "slow"')!;
    expect(stats).toMatchObject({ queued: 5, dropped: 15 });
    expect(bus.stats().find((s) => s.name === 'reporter "fast"')?.dropped).toBe(0);
    expect(logger.lines.filter((l) => l.message.includes('falling behind'))).toHaveLength(1);

    release();
    await bus.idle();
    expect(slow).toEqual([0, 16, 17, 18, 19, 20]);
    // The reporter itself learns how many it lost, before the events that survived.
    expect(told).toEqual([{ dropped: 15, total: 15 }]);
    expect(logger.lines.some((l) => l.message === 'reporter "slow" caught up after dropping 15 events')).toBe(true);
  });

  it('ignores events after close and resolves idle waiters', async () => {
    const bus = new KernelEventBus(memoryLogger(), 10);
    const seen: unknown[] = [];
    const subscription = bus.subscribe('r', (e) => void seen.push(e));
    bus.emit(event(1));
    bus.close();
    await subscription.idle();
    bus.emit(event(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
