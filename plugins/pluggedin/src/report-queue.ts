import type { Clock, Logger } from '@mcp-switchboard/plugin-api';
import { errorMessage } from '@mcp-switchboard/plugin-api';

/** One unit of reporting work; `describe` names it in logs. */
export interface ReportJob {
  describe: string;
  run(signal: AbortSignal): Promise<void>;
  /** Called when the job is dropped (queue overflow or stop) instead of run. */
  dropped?(): void;
}

export interface ReportQueueStats {
  queued: number;
  running: number;
  sent: number;
  failed: number;
  /** Dropped because the queue was full (the oldest goes). */
  dropped: number;
  /** Dropped because `flush()` ran out of time or the queue was closed. */
  abandoned: number;
}

export interface ReportQueueOptions {
  size: number;
  /** Jobs in flight at once (1-2). */
  concurrency: number;
  logger: Logger;
  clock?: Clock | undefined;
}

/** A burst of drops is logged when it ends (the queue empties) or, if it does not end, once a minute. */
const BURST_LOG_EVERY_MS = 60_000;

/**
 * A bounded queue of reporting jobs drained by one worker (concurrency 1-2). `push` never waits: it enqueues,
 * wakes the worker on a microtask and returns. When full, the oldest job is dropped; drops are counted and
 * logged once per burst with the count. Failures are logged (at most one line per distinct message per
 * minute) and never thrown.
 */
export class ReportQueue {
  private readonly items: ReportJob[] = [];
  private readonly size: number;
  private readonly concurrency: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly abort = new AbortController();
  private running = 0;
  private scheduled = false;
  private closed = false;
  private readonly counters = { sent: 0, failed: 0, dropped: 0, abandoned: 0 };
  private burst: { count: number; since: number } | undefined;
  private readonly idleWaiters = new Set<() => void>();
  private lastFailure: { message: string; at: number } | undefined;

  constructor(options: ReportQueueOptions) {
    this.size = Math.max(1, options.size);
    this.concurrency = Math.min(2, Math.max(1, options.concurrency));
    this.logger = options.logger;
    this.now = options.clock ? () => options.clock!.now() : () => Date.now();
  }

  /** Enqueues a job and returns at once. */
  push(job: ReportJob): void {
    if (this.closed) {
      this.counters.abandoned += 1;
      job.dropped?.();
      return;
    }
    this.items.push(job);
    while (this.items.length > this.size) {
      const oldest = this.items.shift()!;
      oldest.dropped?.();
      this.counters.dropped += 1;
      if (!this.burst) this.burst = { count: 0, since: this.now() };
      this.burst.count += 1;
      if (this.now() - this.burst.since >= BURST_LOG_EVERY_MS) this.logBurst('continues');
    }
    this.wake();
  }

  stats(): ReportQueueStats {
    return { queued: this.items.length, running: this.running, ...this.counters };
  }

  /** True when nothing is queued or in flight. */
  get idle(): boolean {
    return this.items.length === 0 && this.running === 0;
  }

  /**
   * Waits until everything queued was sent, or `timeoutMs` passed; what is left then is dropped, counted as
   * abandoned and logged. Resolves true when everything was sent.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    this.wake();
    if (this.idle) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake: (() => void) | undefined;
    const drained = await Promise.race([
      new Promise<boolean>((resolve) => {
        wake = () => resolve(true);
        this.idleWaiters.add(wake);
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref?.();
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (wake) this.idleWaiters.delete(wake);
    if (!drained) {
      const left = this.items.length + this.running;
      for (const job of this.items.splice(0)) {
        job.dropped?.();
        this.counters.abandoned += 1;
      }
      this.logger.warn(`plugged.in reporting: ${left} report(s) not sent within ${timeoutMs} ms of stopping; they are dropped`);
    }
    this.logBurst('ended');
    return drained;
  }

  /** Stops taking jobs, drops what is queued and cancels what is in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.items.splice(0)) {
      job.dropped?.();
      this.counters.abandoned += 1;
    }
    this.abort.abort();
    this.logBurst('ended');
    this.notifyIdle();
  }

  private wake(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (!this.closed && this.running < this.concurrency && this.items.length > 0) {
      const job = this.items.shift()!;
      this.running += 1;
      void this.runJob(job);
    }
    if (this.idle) {
      this.logBurst('ended');
      this.notifyIdle();
    }
  }

  private async runJob(job: ReportJob): Promise<void> {
    try {
      await job.run(this.abort.signal);
      this.counters.sent += 1;
    } catch (error) {
      this.counters.failed += 1;
      if (!this.abort.signal.aborted) this.logFailure(job, error);
    } finally {
      this.running -= 1;
      this.drain();
    }
  }

  private logFailure(job: ReportJob, error: unknown): void {
    const message = errorMessage(error);
    const now = this.now();
    if (this.lastFailure && this.lastFailure.message === message && now - this.lastFailure.at < 60_000) return;
    this.lastFailure = { message, at: now };
    this.logger.warn(`plugged.in reporting: ${job.describe} failed: ${message}`);
  }

  private logBurst(state: 'ended' | 'continues'): void {
    if (!this.burst || this.burst.count === 0) return;
    const { count } = this.burst;
    this.logger.warn(
      `plugged.in reporting queue was full (${this.size}): dropped the ${count} oldest report(s)${state === 'continues' ? ' in the last minute; still dropping' : ''}`,
      { dropped: count, totalDropped: this.counters.dropped },
    );
    this.burst = state === 'continues' ? { count: 0, since: this.now() } : undefined;
  }

  private notifyIdle(): void {
    for (const wake of [...this.idleWaiters]) wake();
    this.idleWaiters.clear();
  }
}
