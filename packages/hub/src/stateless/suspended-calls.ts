import { randomUUID } from 'node:crypto';
import type { PendingCall } from './pending-call.js';

/** How long a call waits for the client's retry with `inputResponses` before it is cancelled. */
export const SUSPEND_MS = 5 * 60_000;

/**
 * Calls waiting for a client's retry, by a key fresh for each round (so the state of an earlier round cannot be
 * replayed). A call that is not resumed within `SUSPEND_MS` is cancelled (its downstream request aborted) and
 * forgotten; its `requestState` has expired by then as well.
 */
export class SuspendedCalls {
  private readonly calls = new Map<string, { call: PendingCall; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly suspendMs: number = SUSPEND_MS) {}

  get size(): number {
    return this.calls.size;
  }

  /** Parks a call for one round; returns the round's key and when it expires (epoch ms). */
  park(call: PendingCall, now: number): { key: string; expiresAt: number } {
    const key = randomUUID();
    const timer = setTimeout(() => {
      this.calls.delete(key);
      call.cancel(new Error('the client did not retry in time'));
    }, this.suspendMs);
    timer.unref?.();
    this.calls.set(key, { call, timer });
    return { key, expiresAt: now + this.suspendMs };
  }

  /** Takes a parked call out (to resume it); undefined if it is unknown, expired or already resumed. */
  take(key: string): PendingCall | undefined {
    const entry = this.calls.get(key);
    if (!entry) return undefined;
    this.release(key);
    return entry.call;
  }

  /** Cancels every parked call (the hub is stopping). */
  cancelAll(): void {
    for (const [id, { call }] of [...this.calls]) {
      this.release(id);
      call.cancel(new Error('Switchboard is stopping'));
    }
  }

  private release(id: string): void {
    const entry = this.calls.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.calls.delete(id);
  }
}
