import { MAX_TIMEOUT_MS } from '../util/deferred.js';

/** One call's time limit: `at` (ms since the epoch, as Date.now) and what to do when it passes. */
export interface Deadline {
  at: number;
  expire(): void;
}

/**
 * The time limits of the calls in flight on one connection, kept on one timer. A timer per call cost each call ~3 µs
 * of the proxy's time: calls one at a time made Node create and drop a timer list for every one of them. Here a call
 * only joins and leaves a set; the timer is armed for the earliest deadline and moved only when a call's deadline
 * comes before it. A deadline fires no earlier than its `at`, as a timer of the remaining time would.
 */
export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (Infinity when none is armed). */
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds a deadline (a call's clock is its own deadline: no object per call). */
  put(deadline: Deadline): void {
    this.pending.add(deadline);
    this.armFor(deadline.at);
  }

  /** Moves a pending deadline (a call's progress pushes it later). */
  move(deadline: Deadline, at: number): void {
    deadline.at = at;
    if (this.pending.has(deadline)) this.armFor(at);
  }

  /** The call ended: its deadline no longer fires. The timer stays armed: if nothing is pending then, it does nothing. */
  delete(deadline: Deadline): void {
    this.pending.delete(deadline);
  }

  /** Pending deadlines (for tests). */
  get size(): number {
    return this.pending.size;
  }

  private armFor(at: number): void {
    if (at >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(this.fire, Math.min(Math.max(0, at - this.now()), MAX_TIMEOUT_MS));
    // The calls' own I/O keeps the process alive while they are in flight; an idle timer must not.
    this.timer.unref?.();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    const due: Deadline[] = [];
    for (const deadline of this.pending) {
      if (deadline.at <= now) due.push(deadline);
      else if (deadline.at < next) next = deadline.at;
    }
    for (const deadline of due) this.pending.delete(deadline);
    if (next !== Number.POSITIVE_INFINITY) this.armFor(next);
    for (const deadline of due) deadline.expire();
  };
}
