import type { Clock, Logger, ServerState } from '@mcp-switchboard/plugin-api';
import { formatDuration, type SupervisionSettings } from './supervision.js';

/** How a start attempt began: the first start, a restart by supervision, or a call waking an idle server. */
export type AttemptMode = 'start' | 'restart' | 'wake';

/**
 * The life of one downstream server, as one value. `run` numbers each link: a callback of an older link (or
 * start attempt) sees a different `run` and does nothing.
 */
export type Lifecycle =
  /** Created, never started (shown as `stopped`). */
  | { kind: 'new' }
  | { kind: 'disabled' }
  /** A first start (or a start after `stop()`), or a call waking an idle server. */
  | { kind: 'starting'; run: number; waking: boolean }
  | { kind: 'ready'; run: number }
  /**
   * On its way back after a failure: waiting for `retryAt` (backoff), or trying (`run`). `attempt` counts the
   * restarts of this failure streak; `halfOpen` marks the one try after the circuit was open. A manual restart
   * passes through here with neither `retryAt` nor `run`.
   */
  | { kind: 'restarting'; attempt: number; halfOpen: boolean; error?: string; retryAt?: number; run?: number }
  /** Stopped by the idle timeout (shown as `stopped`): lists kept, the next call starts it. */
  | { kind: 'idle' }
  /** The circuit is open: lists dropped; one more try at `retryAt`, or none (no connector). */
  | { kind: 'failed'; error: string; retryAt?: number }
  /**
   * The server wants an OAuth login nobody can give inside the proxy (SWB_NEEDS_AUTH): lists dropped, no retries;
   * the next try comes when its connector reports a stored login (`mcp-switchboard auth <server>`).
   */
  | { kind: 'needs-auth'; error: string }
  /** `stop()`: nothing restarts. */
  | { kind: 'stopped'; error?: string };

/** What the supervisor drives: the server connection behind it. Every method is called synchronously. */
export interface SupervisedLink<T> {
  /** Connects, initializes and lists for start attempt `run`; rejects if that fails. */
  open(run: number): Promise<T>;
  /** The attempt succeeded: what it opened becomes current (called just before the state turns ready). */
  adopt(opened: T): void;
  /** The state just turned ready: tell the world (log, catalog). */
  announceReady(opened: T, mode: AttemptMode, startupMs: number): void;
  /** Lets the current link go (aborting a connect in progress) and closes it. Never rejects. */
  detach(reason: string): Promise<void>;
  /**
   * Its lists leave the catalog: the circuit opened (what the server declared is kept for its next try), or it is
   * stopped or restarted by hand (all forgotten; a manual restart announces the lists are gone).
   */
  dropLists(why: 'circuit' | 'stop' | 'restart'): void;
  /** One ping over the current link; rejects if it fails. */
  ping(timeoutMs: number): Promise<void>;
  /** Whether the current link can be pinged (a 2026-07-28 server has no ping: its answers show it alive). */
  pingable(): boolean;
  /** A standing use keeps an idle server running (a resource subscription: its updates would be lost). */
  inStandingUse(): boolean;
  stateChanged(): void;
  /** Calls `onChange` when a login may have been stored for the server; returns the function that stops watching. */
  watchCredentials?(onChange: () => void): () => void;
}

export interface SupervisorOptions {
  id: string;
  enabled: boolean;
  settings: SupervisionSettings;
  /** The server's own ping interval, else `settings.pingIntervalMs`. */
  pingIntervalMs: number;
  /** Stop a ready server after this long without calls (0 or absent: never). */
  idleTimeoutMs: number | undefined;
  /** A call that wakes an idle server waits this long for it. */
  connectMs: number;
  /** A ping waits at most this long. */
  requestMs: number;
  clock: Clock;
  /** Jitter source, 0 ≤ x < 1. */
  random: () => number;
  logger: Logger;
  /** Masks secrets of the server's definition in error texts. */
  redact: (text: string) => string;
}

/** The state the hub shows for each kind: `new` and `idle` are `stopped` to the outside. */
export const publicState: Record<Lifecycle['kind'], ServerState> = {
  new: 'stopped',
  disabled: 'disabled',
  starting: 'starting',
  ready: 'ready',
  restarting: 'restarting',
  idle: 'stopped',
  failed: 'failed',
  'needs-auth': 'needs-auth',
  stopped: 'stopped',
};

/** The last error a state carries (restarting, failed, stopped after a failure). */
export function errorOf(state: Lifecycle): string | undefined {
  return state.kind === 'restarting' || state.kind === 'failed' || state.kind === 'needs-auth' || state.kind === 'stopped' ? state.error : undefined;
}

/** When the next start attempt is due (restarting in backoff, or failed with the circuit open). */
export function retryAtOf(state: Lifecycle): number | undefined {
  return state.kind === 'restarting' || state.kind === 'failed' ? state.retryAt : undefined;
}

/** A start attempt is in progress. */
export function attemptRunning(state: Lifecycle): boolean {
  return state.kind === 'starting' || (state.kind === 'restarting' && state.run !== undefined);
}

/** Where a start stands, for the error of a call that gave up waiting: " (attempt 2, next try in 3 s)". */
export function describeWait(state: Lifecycle, now: number): { detail: string; attempt?: number } {
  if (state.kind === 'restarting') {
    const attempt = state.retryAt !== undefined ? state.attempt : Math.max(1, state.attempt);
    const when = state.retryAt !== undefined ? `next try in ${formatDuration(state.retryAt - now)}` : 'trying now';
    return { detail: ` (attempt ${attempt}, ${when})`, attempt };
  }
  if (state.kind === 'starting' && state.waking) return { detail: ' (starting again after being idle)' };
  return { detail: '' };
}
