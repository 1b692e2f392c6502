import type { Clock, EventBus, Lifecycle, SwitchboardEvent } from '@mcp-switchboard/plugin-api';

/**
 * Hand-made core services for running documentation examples without a kernel; the logger and the config are
 * the test kit's (`createMemoryLogger`, `createFakeConfig`).
 */

/** A clock that only moves when told to. */
export function manualClock(start = Date.UTC(2025, 5, 1, 12, 0, 0)): Clock & { advance(ms: number): void; pending(): number } {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = ++nextId;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}

export function fakeLifecycle(): Lifecycle & { start(): Promise<void>; stop(): Promise<void> } {
  const starts: Array<() => void | Promise<void>> = [];
  const stops: Array<() => void | Promise<void>> = [];
  return {
    onStart: (hook) => void starts.push(hook),
    onStop: (hook) => void stops.push(hook),
    async start() {
      for (const hook of starts) await hook();
    },
    async stop() {
      for (const hook of [...stops].reverse()) await hook();
    },
  };
}

export function fakeEvents(): EventBus & { emitted: SwitchboardEvent[] } {
  const listeners = new Set<(event: SwitchboardEvent) => void>();
  const emitted: SwitchboardEvent[] = [];
  return {
    emitted,
    emit(event) {
      emitted.push(event);
      for (const listener of listeners) listener(event);
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
