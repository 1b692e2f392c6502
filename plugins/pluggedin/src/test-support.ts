// Helpers for this package's tests (excluded from the build).
import type { Clock } from '@mcp-switchboard/plugin-api';
import { createMemoryLogger, type MemoryLogLine, type MemoryLogger } from '@mcp-switchboard/testing';

/** The test kit's memory logger, with `text()`: its lines (of one level) as text, for `toContain` checks. */
export function recordingLogger(): MemoryLogger & { text(level?: MemoryLogLine['level']): string } {
  const logger = createMemoryLogger();
  return Object.assign(logger, {
    text: (level?: MemoryLogLine['level']) =>
      logger.lines
        .filter((l) => !level || l.level === level)
        .map((l) => `${l.level}: ${l.message} ${Object.keys(l.fields).length ? JSON.stringify(l.fields) : ''}`)
        .join('\n'),
  });
}

/** A clock whose timers run only when the test says so; `delays` records every delay asked for. */
export function manualClock(): Clock & { delays: number[]; pending(): number; fire(): boolean } {
  let now = 1_000_000;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const delays: number[] = [];
  return {
    delays,
    now: () => now,
    setTimeout(callback, ms) {
      seq += 1;
      timers.set(seq, { at: now + ms, callback });
      delays.push(ms);
      return seq;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => timers.size,
    /** Runs the earliest timer (advancing the time to it). False when none is pending. */
    fire() {
      const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) return false;
      timers.delete(next[0]);
      now = Math.max(now, next[1].at);
      next[1].callback();
      return true;
    },
  };
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). Not a timing assertion. */
export async function waitFor<T>(check: () => T | Promise<T>, what = 'condition', timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const UUIDS = {
  memory: '11111111-1111-4111-8111-111111111111',
  remote: '22222222-2222-4222-8222-222222222222',
  sse: '33333333-3333-4333-8333-333333333333',
  noUrl: '44444444-4444-4444-8444-444444444444',
  noType: '55555555-5555-4555-8555-555555555555',
  noSlug: '66666666-6666-4666-8666-666666666666',
} as const;

/** Options for the package's plugins against a (fake) App: fast, no retries, manual polling. */
export function appOptions(app: { url: string; apiKey: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiKey: app.apiKey, baseUrl: app.url, retries: 0, pollIntervalMs: 1_000, requestTimeoutMs: 5_000, ...extra };
}

/** Disposables a test created; `disposeAll()` in afterEach. */
export function disposables(): { add<T extends { dispose?(): unknown }>(value: T): T; disposeAll(): Promise<void> } {
  const items: Array<{ dispose?(): unknown }> = [];
  return {
    add(value) {
      items.push(value);
      return value;
    },
    async disposeAll() {
      for (const item of items.splice(0).reverse()) await item.dispose?.();
    },
  };
}
