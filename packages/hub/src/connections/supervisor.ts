import type { ServerState } from '@mcp-switchboard/plugin-api';
import { deferred, type Deferred } from '../util/deferred.js';
import { errorMessage, type RpcError } from '../util/rpc-error.js';
import {
  attemptRunning,
  describeWait,
  errorOf,
  publicState,
  retryAtOf,
  type AttemptMode,
  type Lifecycle,
  type SupervisedLink,
  type SupervisorOptions,
} from './lifecycle.js';
import { Heartbeat } from './heartbeat.js';
import { NamedTimers, backoffDelay, circuitText, formatDuration, needsLogin, startFailureKind, type FaultKind } from './supervision.js';
import { serverUnavailable, type ServerCondition } from './unavailable.js';
import { waitForReady } from './wait-for-ready.js';

export type { AttemptMode, Lifecycle, SupervisedLink, SupervisorOptions } from './lifecycle.js';

/**
 * Supervision of one downstream server: every restart, backoff, circuit, ping and idle decision, on the
 * injected clock.
 *
 * - `new` → `starting` → `ready`. A start that fails, or a ready server that fails (its link closes, it stops
 *   answering pings, its link reports repeated transport errors), goes to `restarting`: after a backoff
 *   (`backoffInitialMs` doubling to `backoffMaxMs`, ±20 % jitter) it is tried again, staying `restarting` until it
 *   is `ready`. Its last lists stay in the catalog meanwhile, and calls wait for it (up to `callWaitMs`).
 * - Failures are counted in a sliding window of `failureWindowMs`: a server that stays up longer than that starts
 *   over at `backoffInitialMs`. `maxFailures` within the window open the circuit: `failed`, lists dropped, and one
 *   more try (half-open) after `circuitOpenMs`; if that try fails the circuit opens again, if it succeeds the
 *   failure history is cleared. A start that cannot succeed by retrying soon (command not found, `initialize`
 *   refused) opens the circuit at once; a missing connector fails for good.
 * - With `idleTimeoutMs`, a ready server with no call for that long goes `idle` (lists kept) and the next call
 *   starts it again, waiting up to `connectMs`.
 * - `stop()` ends everything: timers are cleared and nothing restarts. `restart()` is a manual restart from
 *   scratch (lists dropped and refetched).
 */
export class Supervisor<T> {
  private state: Lifecycle;
  private run = 0;
  /** Times of the failures within the window. */
  private failures: number[] = [];
  private restartCount = 0;
  private readonly timers: NamedTimers<'retry' | 'ping' | 'idle'>;
  /** The ping and idle timers; their decisions come back here (`fault()`, `goIdle()`). */
  private readonly heartbeat: Heartbeat;
  /** Waiters for the start attempt in progress (or the first one, before it began). */
  private settling: Deferred<void> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly id: string;
  /** Stops watching for a stored login (set while `needs-auth`). */
  private stopWatchingCredentials: (() => void) | undefined;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly link: SupervisedLink<T>,
  ) {
    this.id = options.id;
    this.state = options.enabled ? { kind: 'new' } : { kind: 'disabled' };
    this.timers = new NamedTimers(options.clock, (error) =>
      options.logger.error(`server "${this.id}": a supervision timer failed`, { server: this.id, error: errorMessage(error) }),
    );
    this.heartbeat = new Heartbeat(options, link, this.timers, {
      run: () => this.run,
      readyRun: (run) => run === this.run && this.state.kind === 'ready',
      fault: (run, reason, cause) => this.fault(run, reason, cause),
      idle: (idleMs) => this.goIdle(idleMs),
    });
  }

  get lifecycle(): Readonly<Lifecycle> {
    return this.state;
  }
  get serverState(): ServerState {
    return publicState[this.state.kind];
  }
  /** Why it is failed or restarting (redacted). */
  get error(): string | undefined {
    return errorOf(this.state);
  }
  /** When the next start attempt is due (restarting in backoff, or failed with the circuit open). */
  get nextRetryAt(): number | undefined {
    return retryAtOf(this.state);
  }
  /** Restart attempts made since this supervisor was created. */
  get restarts(): number {
    return this.restartCount;
  }
  get isReady(): boolean {
    return this.state.kind === 'ready';
  }
  get isIdle(): boolean {
    return this.state.kind === 'idle';
  }
  /** Whether its lists belong in the catalog: ready, or on its way back (starting, restarting, idle). */
  get servesLists(): boolean {
    const k = this.state.kind;
    return k === 'ready' || k === 'starting' || k === 'restarting' || k === 'idle';
  }
  /** A start attempt is in progress. */
  get attemptRunning(): boolean {
    return attemptRunning(this.state);
  }
  /** Whether `run` is the current link (or start attempt). */
  isCurrent(run: number): boolean {
    return run === this.run;
  }

  /** Resolves when the current start attempt is over (ready, failed, waiting to retry, or stopped). Never rejects. */
  whenSettled(): Promise<void> {
    if (!this.attemptRunning && this.state.kind !== 'new') return Promise.resolve();
    this.settling ??= deferred();
    return this.settling.promise;
  }

  /** Resolves when it is neither starting nor restarting. A server that keeps failing gets there when its circuit opens. */
  whenStable(): Promise<void> {
    const stable = () => this.state.kind !== 'starting' && this.state.kind !== 'restarting';
    if (stable()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!stable()) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  /** Starts with a clean failure history. Never rejects: a failure is supervised. */
  async start(): Promise<void> {
    if (this.state.kind === 'disabled') return;
    if (this.attemptRunning) return this.whenSettled();
    if (this.state.kind === 'ready') return;
    this.failures = [];
    await this.attempt('start', false);
  }

  /** Manual restart from scratch: stops (lists dropped), then starts with a clean failure history. */
  async restart(): Promise<void> {
    await this.shutdown('restarting');
    await this.start();
  }

  /**
   * A login may have been stored for this server (`mcp-switchboard auth`, even from another process): a server
   * waiting in `needs-auth` is started again at once. Ignored in any other state.
   */
  credentialsChanged(): void {
    if (this.state.kind !== 'needs-auth') return;
    this.unwatchCredentials();
    this.options.logger.info(`server "${this.id}": a login was stored; connecting`, { server: this.id });
    this.launch('start', false);
  }

  /** Closes the link and cancels every pending restart. Idempotent. */
  async stop(): Promise<void> {
    await this.shutdown('stopped');
  }

  /**
   * Something went wrong with link (or start attempt) `run`: let it go and decide what comes next — a restart
   * after backoff, or an open circuit. Ignored for a link that is no longer current.
   */
  fault(run: number, reason: string, cause?: unknown, kind: FaultKind = 'retry'): void {
    const previous = this.state;
    if (run !== this.run || !(previous.kind === 'ready' || this.attemptRunning)) return;
    this.run += 1;
    this.timers.clearAll();
    const login = needsLogin(cause);
    if (kind === 'needs-auth' || login) {
      this.awaitLogin(this.options.redact(login?.message ?? reason));
      this.settle();
      void this.link.detach(reason);
      return;
    }
    const now = this.options.clock.now();
    const { settings } = this.options;
    this.failures = this.failures.filter((t) => now - t < settings.failureWindowMs);
    this.failures.push(now);
    const message = this.options.redact(reason);
    const causeText = cause instanceof Error && !reason.includes(cause.message) ? this.options.redact(cause.message) : undefined;
    const halfOpen = previous.kind === 'restarting' && previous.halfOpen;
    if (kind === 'never') this.openCircuit(message, kind, undefined, causeText, false);
    else if (kind === 'circuit' || halfOpen || this.failures.length >= settings.maxFailures) {
      this.openCircuit(message, kind, now + settings.circuitOpenMs, causeText, halfOpen);
    } else {
      const attempt = (previous.kind === 'restarting' ? previous.attempt : 0) + 1;
      this.scheduleRestart(message, previous.kind === 'ready', now, causeText, attempt);
    }
    this.settle();
    void this.link.detach(reason);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Calls: they keep the server from going idle, and wait for it to be ready.
  // ---------------------------------------------------------------------------------------------------------

  /** A call begins: no idle stop while it runs. */
  beginCall(): void {
    this.heartbeat.beginCall();
  }

  /** A call ended: the idle clock starts over. */
  endCall(): void {
    this.heartbeat.endCall();
  }

  /**
   * Waits until the server is ready: a restarting (or starting) server gets `callWaitMs`, an idle one is started
   * and gets `connectMs`. Fails at once for a failed, stopped or disabled server, and when the wait is over with
   * an error that names the server and its state.
   */
  async awaitReady(signal: AbortSignal | undefined): Promise<void> {
    if (this.state.kind === 'ready') return;
    if (this.state.kind === 'idle') {
      this.options.logger.info(`server "${this.id}" starting again for a call (it was stopped after being idle)`, { server: this.id });
      this.launch('wake', false);
    }
    const waiting = this.state;
    if (waiting.kind !== 'starting' && waiting.kind !== 'restarting') throw this.unavailable();
    const budget = waiting.kind === 'starting' && waiting.waking ? this.options.connectMs : this.options.settings.callWaitMs;
    if (budget <= 0) throw this.waitError(0);
    const waitingOn = () => this.state.kind === 'starting' || this.state.kind === 'restarting';
    const outcome = () => (this.state.kind === 'ready' ? 'ready' : waitingOn() ? undefined : this.unavailable());
    const { listeners, timers } = this;
    await waitForReady({ listeners, timers, clock: this.options.clock, budget, outcome, timedOut: () => this.waitError(budget) }, signal);
  }

  /** The error for a request to a server that is not ready (and will not be soon). */
  unavailable(): RpcError {
    return serverUnavailable(this.condition(), { kind: 'down' });
  }

  /** What the "server unavailable" errors say about it. */
  condition(): ServerCondition {
    return { id: this.id, state: this.serverState, error: this.error, nextRetryAt: this.nextRetryAt };
  }

  // ---------------------------------------------------------------------------------------------------------

  /** One start attempt. Never rejects; a failure goes to `fault()`. */
  private async attempt(mode: AttemptMode, halfOpen: boolean): Promise<void> {
    const run = ++this.run;
    const previous = this.state;
    this.timers.clear('retry');
    if (mode === 'restart') {
      this.restartCount += 1;
      const attempt = previous.kind === 'restarting' ? previous.attempt : 1;
      const error = errorOf(previous);
      this.options.logger.info(`server "${this.id}": restart attempt ${attempt}${halfOpen ? ' (circuit half-open)' : ''}`, {
        server: this.id,
        attempt,
        restarts: this.restartCount,
      });
      this.enter({ kind: 'restarting', attempt, halfOpen, run, ...(error !== undefined ? { error } : {}) });
    } else {
      this.options.logger.debug(`server "${this.id}" starting${mode === 'wake' ? ' again for a call (it was idle)' : ''}`, { server: this.id });
      this.enter({ kind: 'starting', run, waking: mode === 'wake' });
    }
    const startedAt = performance.now();
    try {
      const opened = await this.link.open(run);
      if (run !== this.run) return;
      this.becomeReady(opened, Math.round(performance.now() - startedAt), mode, run);
    } catch (error) {
      if (run !== this.run) return;
      this.fault(run, `server "${this.id}" failed to start: ${errorMessage(error)}`, error, startFailureKind(error));
    } finally {
      if (run === this.run) this.settle();
    }
  }

  private launch(mode: AttemptMode, halfOpen: boolean): void {
    this.attempt(mode, halfOpen).catch((error: unknown) => {
      this.options.logger.error(`server "${this.id}": unexpected error in a start attempt`, { server: this.id, error: errorMessage(error) });
    });
  }

  private becomeReady(opened: T, startupMs: number, mode: AttemptMode, run: number): void {
    if (this.state.kind === 'restarting' && this.state.halfOpen) this.failures = [];
    this.link.adopt(opened);
    this.enter({ kind: 'ready', run });
    this.link.announceReady(opened, mode, startupMs);
    this.heartbeat.armPing();
    this.heartbeat.touch();
  }

  private scheduleRestart(message: string, wasReady: boolean, now: number, causeText: string | undefined, attempt: number): void {
    const delay = backoffDelay(this.options.settings, this.failures.length, this.options.random);
    this.options.logger.warn(`${message}; ${wasReady ? 'restarting' : 'trying again'} in ${formatDuration(delay)} (attempt ${attempt})`, {
      server: this.id,
      attempt,
      delayMs: delay,
      failures: this.failures.length,
      ...(causeText ? { cause: causeText } : {}),
    });
    this.enter({ kind: 'restarting', attempt, halfOpen: false, error: message, retryAt: now + delay });
    this.timers.set('retry', delay, () => this.launch('restart', false));
  }

  /**
   * `needs-auth`: not a failure to retry (no backoff, no circuit) but a wait for the user to log in. Its lists leave
   * the catalog; the connector's credential watch brings it back (`credentialsChanged`).
   */
  private awaitLogin(message: string): void {
    this.failures = [];
    this.options.logger.warn(message, { server: this.id });
    this.enter({ kind: 'needs-auth', error: message });
    this.link.dropLists('circuit');
    this.unwatchCredentials();
    this.stopWatchingCredentials = this.link.watchCredentials?.(() => this.credentialsChanged());
  }

  private unwatchCredentials(): void {
    this.stopWatchingCredentials?.();
    this.stopWatchingCredentials = undefined;
  }

  private openCircuit(message: string, kind: FaultKind, retryAt: number | undefined, causeText: string | undefined, wasHalfOpen: boolean): void {
    const text =
      retryAt === undefined
        ? message
        : circuitText({
            id: this.id,
            message,
            kind,
            wasHalfOpen,
            retryAt,
            now: this.options.clock.now(),
            failures: this.failures.length,
            windowMs: this.options.settings.failureWindowMs,
          });
    this.options.logger.error(text, {
      server: this.id,
      ...(causeText ? { cause: causeText } : {}),
      ...(retryAt !== undefined ? { nextRetryAt: retryAt } : {}),
    });
    this.enter({ kind: 'failed', error: text, ...(retryAt !== undefined ? { retryAt } : {}) });
    this.link.dropLists('circuit');
    if (retryAt !== undefined) this.timers.set('retry', retryAt - this.options.clock.now(), () => this.launch('restart', true));
  }

  private async shutdown(target: 'stopped' | 'restarting'): Promise<void> {
    const previous = this.state;
    this.run += 1;
    this.timers.clearAll();
    this.unwatchCredentials();
    if (previous.kind !== 'disabled') {
      const error = errorOf(previous);
      const kept = error !== undefined ? { error } : {};
      const next: Lifecycle = target === 'stopped' ? { kind: 'stopped', ...kept } : { kind: 'restarting', attempt: 0, halfOpen: false, ...kept };
      if (publicState[next.kind] !== this.serverState) {
        if (target === 'restarting') this.options.logger.info(`server "${this.id}" restarting (requested)`, { server: this.id });
        else this.options.logger.debug(`server "${this.id}" stopped`, { server: this.id });
      }
      this.enter(next);
    }
    this.settle();
    // A manual restart keeps the connection in the hub: its lists are gone until it is ready again.
    this.link.dropLists(target === 'restarting' ? 'restart' : 'stop');
    await this.link.detach(`server "${this.id}" is stopping`);
  }

  /** No call for `idleMs` (see Heartbeat): stops the server until the next call. */
  private goIdle(idleMs: number): void {
    this.run += 1;
    this.timers.clearAll();
    this.options.logger.info(`server "${this.id}" stopped after ${formatDuration(idleMs)} without calls (idle); the next call starts it again`, {
      server: this.id,
    });
    this.enter({ kind: 'idle' });
    void this.link.detach('idle');
  }

  // ---------------------------------------------------------------------------------------------------------

  private waitError(waitedMs: number): RpcError {
    const { detail, attempt } = describeWait(this.state, this.options.clock.now());
    return serverUnavailable(this.condition(), { kind: 'gave-up', waitedMs, detail, ...(attempt !== undefined ? { attempt } : {}) });
  }

  /** Moves to `next`; the hub hears of it when the state it shows changes. */
  private enter(next: Lifecycle): void {
    const before = this.serverState;
    this.state = next;
    if (this.serverState !== before) this.link.stateChanged();
    for (const listener of [...this.listeners]) listener();
  }

  private settle(): void {
    const settling = this.settling;
    this.settling = undefined;
    settling?.resolve();
  }
}
