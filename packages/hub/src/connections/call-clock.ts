import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { ErrorCode, switchboardRpcError, type RpcError } from '../util/rpc-error.js';
import type { Deadline, Deadlines } from './deadlines.js';

/** One request's time limits: no progress within `requestMs`, never longer than `maxTotalMs`. */
export interface CallLimits {
  readonly requestMs: number;
  readonly maxTotalMs: number;
  /** Whether they are the tool's own (`timeouts.tools[<name>]`), not the server's. */
  readonly perTool: boolean;
}

/** What a timeout error names: the server, the request (`tools/call "echo"`) and, for a tool's own limit, the tool. */
export interface ClockLabel {
  readonly server: string;
  readonly label: string;
  readonly tool?: string | undefined;
}

/**
 * The clock of one forwarded request, on its connection's shared timer (Deadlines), of which it is itself the
 * deadline. `start()` starts it; `progress()` gives the request another `requestMs` (never past the total cap);
 * when time is up, `expired` holds the error the client gets and `timedOut` is called with it (once). `stop()` when
 * the request ends.
 */
export class CallClock implements Deadline {
  at = 0;
  expired: RpcError | undefined;
  private startedAt = 0;
  private armed = false;
  /** Whether the armed deadline is the total cap (else: no progress within requestMs). */
  private capIsNext = false;

  constructor(
    private readonly deadlines: Deadlines,
    readonly limits: CallLimits,
    private readonly where: ClockLabel,
    private readonly onExpire?: (error: RpcError) => void,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    this.progress();
  }

  /** The server reported progress: the request may take another `requestMs`. */
  progress(): void {
    if (this.expired) return;
    const now = Date.now();
    const left = this.limits.maxTotalMs - (now - this.startedAt);
    if (left <= 0) {
      this.stop();
      this.timeOut(true);
      return;
    }
    const wait = Math.min(this.limits.requestMs, left, MAX_TIMEOUT_MS);
    this.capIsNext = wait < this.limits.requestMs;
    if (this.armed) {
      this.deadlines.move(this, now + wait);
    } else {
      this.at = now + wait;
      this.armed = true;
      this.deadlines.put(this);
    }
  }

  stop(): void {
    if (this.armed) this.deadlines.delete(this);
  }

  /** Its deadline passed (called by Deadlines). */
  expire(): void {
    this.timeOut(this.capIsNext);
  }

  /** Time is up, with this error for the client. */
  protected timedOut(error: RpcError): void {
    this.onExpire?.(error);
  }

  private timeOut(total: boolean): void {
    if (this.expired) return;
    this.expired = timeoutError(this.where, this.limits, total);
    this.timedOut(this.expired);
  }
}

/** The error of a request that ran out of time: which limit, whose limit, and the request. */
export function timeoutError(where: ClockLabel, limits: CallLimits, total: boolean): RpcError {
  const { server, label, tool } = where;
  const limit = total ? limits.maxTotalMs : limits.requestMs;
  const own = limits.perTool ? `the limit configured for tool "${tool}"` : undefined;
  return switchboardRpcError(
    ErrorCode.RequestTimeout,
    'SWB_TIMEOUT',
    total
      ? `Server "${server}" did not finish ${label} within the maximum total time of ${limit} ms${own ? ` (${own})` : ''}`
      : `Server "${server}" did not answer ${label} within ${limit} ms (no progress in that time${own ? `; ${own}` : ''})`,
    { server, request: label, limitMs: limit, ...(tool !== undefined ? { tool } : {}) },
  );
}
