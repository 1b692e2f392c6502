import { SwitchboardError, supervisionSchema, type Clock } from '@mcp-switchboard/plugin-api';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';

/** `config.supervision` with every default applied (see plugin-api `supervisionSchema`). */
export interface SupervisionSettings {
  backoffInitialMs: number;
  backoffMaxMs: number;
  maxFailures: number;
  failureWindowMs: number;
  circuitOpenMs: number;
  pingIntervalMs: number;
  callWaitMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionSettings = supervisionSchema.parse({});

/** Fills in what a (possibly partial, possibly absent) `config.supervision` leaves out. */
export function resolveSupervision(input: Partial<SupervisionSettings> | undefined): SupervisionSettings {
  const out = { ...DEFAULT_SUPERVISION };
  for (const key of Object.keys(out) as Array<keyof SupervisionSettings>) {
    const value = input?.[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) out[key] = value;
  }
  out.maxFailures = Math.max(1, Math.floor(out.maxFailures));
  out.failureWindowMs = Math.max(1, out.failureWindowMs);
  return out;
}

/**
 * Transport errors (a stdout line that is not JSON-RPC, a stream error, a remote transport's errors) this many
 * times within `TRANSPORT_FAULT_WINDOW_MS` while the server is ready mean the link is faulty: it is restarted.
 * Errors before the server is ready (a start-up banner on stdout) are tolerated.
 */
export const TRANSPORT_FAULT_LIMIT = 3;
export const TRANSPORT_FAULT_WINDOW_MS = 5_000;

/** ±20 % around the exponential delay, so servers that fail together do not restart in lock-step. */
export const BACKOFF_JITTER = 0.2;

/**
 * The delay before restart number `failures` of a streak (1-based: the failures counted in the window, this one
 * included): `backoffInitialMs`, doubling each time, capped at `backoffMaxMs`, then ±20 % jitter.
 */
export function backoffDelay(settings: SupervisionSettings, failures: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const base = Math.min(settings.backoffMaxMs, settings.backoffInitialMs * 2 ** exponent);
  const jitter = 1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random();
  return Math.max(0, Math.round(base * jitter));
}

/**
 * What a failed start calls for:
 * - `retry`: count it and restart with backoff (a crash, a timeout, a dropped link);
 * - `circuit`: retrying soon cannot help (the command does not exist or is not executable; the server refused
 *   `initialize` with a JSON-RPC error): open the circuit at once and try again after `circuitOpenMs`;
 * - `never`: nothing but a config change can help (no connector for the transport type, an unset `${VAR}`);
 * - `needs-auth`: the server wants an OAuth login (SWB_NEEDS_AUTH): no retries until a login is stored.
 */
export type FaultKind = 'retry' | 'circuit' | 'never' | 'needs-auth';

const HOPELESS_ERRNO = new Set(['ENOENT', 'EACCES', 'ENOTDIR']);

/** The SWB_NEEDS_AUTH error along a cause chain (a remote server that wants a login), if there is one. */
export function needsLogin(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if ((current as { code?: unknown }).code === 'SWB_NEEDS_AUTH') return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function startFailureKind(error: unknown): FaultKind {
  if (needsLogin(error)) return 'needs-auth';
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    // No connector, or a `${VAR}` the server needs is unset: only a config change can help.
    if (current instanceof SwitchboardError && (current.code === 'SWB_CONNECTOR_MISSING' || current.code === 'SWB_CONFIG_ENV_MISSING')) return 'never';
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && HOPELESS_ERRNO.has(code)) return 'circuit';
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof McpError && error.code !== ErrorCode.RequestTimeout && error.code !== ErrorCode.ConnectionClosed) return 'circuit';
  return 'retry';
}

/** True if the error is an answer from the server (it is alive), not a timeout or a closed link. */
export function isServerAnswer(error: unknown): boolean {
  return error instanceof McpError && error.code !== ErrorCode.RequestTimeout && error.code !== ErrorCode.ConnectionClosed;
}

/** Real timers, unref'd: supervision never keeps the process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMEOUT_MS));
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Why the circuit opened and when the next try is, for the log and the server's `error`. */
export function circuitText(c: {
  id: string;
  message: string;
  kind: FaultKind;
  wasHalfOpen: boolean;
  retryAt: number;
  now: number;
  failures: number;
  windowMs: number;
}): string {
  const when = `circuit open, next try at ${new Date(c.retryAt).toISOString()} (in ${formatDuration(c.retryAt - c.now)})`;
  if (c.kind === 'circuit') return `${c.message}; ${when}`;
  if (c.wasHalfOpen) return `server "${c.id}" failed again on its one try after the circuit opened: ${when}. Last error: ${c.message}`;
  const n = c.failures;
  return `server "${c.id}" failed ${n} time${n === 1 ? '' : 's'} within ${formatDuration(c.windowMs)}: ${when}. Last error: ${c.message}`;
}

/** "450 ms", "3 s", "5 min" for messages. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  if (value < 1000) return `${value} ms`;
  if (value < 120_000) return `${Math.round(value / 1000)} s`;
  return `${Math.round(value / 60_000)} min`;
}

/**
 * Timers by name on a clock: setting one replaces the previous, each fires once, and an error in a callback is
 * reported instead of thrown. Handles are unref'd where the clock's are (supervision never keeps the process alive).
 */
export class NamedTimers<Name extends string> {
  private readonly handles = new Map<Name, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  set(name: Name, ms: number, callback: () => void): void {
    this.clear(name);
    const handle = this.once(ms, () => {
      if (this.handles.get(name) === handle) this.handles.delete(name);
      callback();
    });
    this.handles.set(name, handle);
  }

  /** A timer outside the named ones (the caller clears it). */
  once(ms: number, callback: () => void): unknown {
    const handle = this.clock.setTimeout(
      () => {
        try {
          callback();
        } catch (error) {
          this.onError(error);
        }
      },
      Math.min(Math.max(0, ms), MAX_TIMEOUT_MS),
    );
    (handle as { unref?: () => void } | null | undefined)?.unref?.();
    return handle;
  }

  clear(name: Name): void {
    const handle = this.handles.get(name);
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this.handles.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.handles.keys()]) this.clear(name);
  }
}
