import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { errorMessage } from '../util/rpc-error.js';
import type { SupervisedLink, SupervisorOptions } from './lifecycle.js';
import { formatDuration, isServerAnswer, type NamedTimers } from './supervision.js';

/** What the heartbeat asks of its Supervisor, which keeps every decision (a fault, an idle stop). */
export interface HeartbeatHost {
  /** The current link (or start attempt). */
  run(): number;
  /** Whether link `run` is the current one and ready. */
  readyRun(run: number): boolean;
  /** A ping on link `run` failed: the supervisor's `fault()`. */
  fault(run: number, reason: string, cause: unknown): void;
  /** No call for `idleMs`: the supervisor stops the server (idle). */
  idle(idleMs: number): void;
}

/**
 * The ping and idle timers of one Supervisor, and the calls in flight that hold them off. It computes when a ping
 * or an idle stop is due; the supervisor decides what follows.
 */
export class Heartbeat {
  private activeCalls = 0;
  private lastActivity = 0;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly link: SupervisedLink<unknown>,
    private readonly timers: NamedTimers<'retry' | 'ping' | 'idle'>,
    private readonly host: HeartbeatHost,
  ) {}

  /** A call begins: no idle stop while it runs. */
  beginCall(): void {
    this.activeCalls += 1;
    this.timers.clear('idle');
  }

  /** A call ended: the idle clock starts over. */
  endCall(): void {
    this.activeCalls -= 1;
    this.touch();
  }

  armPing(): void {
    this.timers.clear('ping');
    const every = this.options.pingIntervalMs;
    const run = this.host.run();
    if (!every || every <= 0 || !this.host.readyRun(run) || !this.link.pingable()) return;
    this.timers.set('ping', every, () => {
      this.ping(run, every).catch((error: unknown) => {
        this.options.logger.error(`server "${this.options.id}": unexpected error while pinging`, { server: this.options.id, error: errorMessage(error) });
      });
    });
  }

  /**
   * Pings a ready server. A ping that times out or fails on the link is a failure; an error answer proves the
   * server is alive. A server with calls in flight is not pinged (they have their own timeouts, and a server busy
   * with a long tool must not be killed for a slow ping).
   */
  private async ping(run: number, every: number): Promise<void> {
    if (!this.host.readyRun(run)) return;
    if (this.activeCalls === 0) {
      const timeout = Math.min(every, this.options.requestMs, MAX_TIMEOUT_MS);
      try {
        await this.link.ping(timeout);
      } catch (error) {
        if (run !== this.host.run()) return;
        if (isServerAnswer(error)) {
          this.options.logger.debug(`server "${this.options.id}" answered a ping with an error; it is alive`, {
            server: this.options.id,
            error: errorMessage(error),
          });
        } else if (this.activeCalls === 0) {
          this.host.fault(run, `server "${this.options.id}" did not answer a ping within ${formatDuration(timeout)}: ${errorMessage(error)}`, error);
          return;
        }
      }
    }
    if (run === this.host.run()) this.armPing();
  }

  /** Notes activity and (re)arms the idle timer. */
  touch(): void {
    this.lastActivity = this.options.clock.now();
    this.armIdle();
  }

  private armIdle(): void {
    const idleMs = this.options.idleTimeoutMs;
    this.timers.clear('idle');
    const run = this.host.run();
    if (!idleMs || idleMs <= 0 || !this.host.readyRun(run) || this.activeCalls > 0) return;
    const wait = Math.max(0, this.lastActivity + idleMs - this.options.clock.now());
    this.timers.set('idle', wait, () => {
      if (!this.host.readyRun(run) || this.activeCalls > 0) return;
      if (this.options.clock.now() - this.lastActivity < idleMs) return this.armIdle();
      if (this.link.inStandingUse()) return this.touch();
      this.host.idle(idleMs);
    });
  }
}
