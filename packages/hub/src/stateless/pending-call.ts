import { randomUUID } from 'node:crypto';
import { ModernErrorCode, type StatelessNotification } from '@mcp-switchboard/plugin-api';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamExtra } from '../connections/session-lanes.js';
import { ErrorCode, RpcError } from '../util/rpc-error.js';
import { isRecord, type LooseParams, type LooseRequest, type LooseResult } from '../util/schemas.js';

/** One client request (a first try or a retry with `inputResponses`) that is waiting on a call. */
export interface Attempt {
  readonly capabilities: ClientCapabilities;
  readonly signal?: AbortSignal | undefined;
  notify(notification: StatelessNotification): void;
}

/** Where a call stands when an attempt has to answer the client. */
export type Step =
  | { kind: 'complete'; result: LooseResult }
  | { kind: 'failed'; error: unknown }
  | { kind: 'input-required'; inputRequests: Record<string, LooseRequest> };

/**
 * A `_meta` key a 2025-era server may put on its request to the client to name the entry of `inputRequests` it
 * becomes (and so the key of the client's answer in `inputResponses`). Without it, asks are numbered per call.
 */
export const INPUT_KEY_META = 'mcp-switchboard/inputKey';

/**
 * Asks that arrive this close together go to the client in one `input_required` (a server that asks several
 * things at once sends them back to back, and over stdio they may arrive in separate reads): the questions go out
 * once no new ask has come for this long, or at the latest ASK_COALESCE_MAX_MS after the first.
 */
export const ASK_COALESCE_MS = 25;
export const ASK_COALESCE_MAX_MS = 200;

interface Ask {
  readonly request: LooseRequest;
  resolve(result: LooseResult): void;
  reject(error: unknown): void;
}

/**
 * The client capability a downstream's request to the client needs, as `MissingRequiredClientCapabilityError`
 * lists it, or undefined when the client declared it.
 */
export function requiredCapability(caps: ClientCapabilities, request: LooseRequest): ClientCapabilities | undefined {
  const params = request.params ?? {};
  switch (request.method) {
    case 'sampling/createMessage': {
      if (!isRecord(caps.sampling)) return { sampling: {} };
      const usesTools = params.tools !== undefined || params.toolChoice !== undefined;
      return usesTools && caps.sampling.tools === undefined ? { sampling: { tools: {} } } : undefined;
    }
    case 'elicitation/create': {
      if (!isRecord(caps.elicitation)) return { elicitation: {} };
      const declared = caps.elicitation;
      const mode = params.mode ?? 'form';
      // An empty elicitation capability means form mode (2025-11-25 and later).
      if (mode === 'url' && declared.url === undefined) return { elicitation: { url: {} } };
      if (mode === 'form' && declared.form === undefined && declared.url !== undefined) return { elicitation: { form: {} } };
      return undefined;
    }
    case 'roots/list':
      return isRecord(caps.roots) ? undefined : { roots: {} };
    default:
      return undefined;
  }
}

/** The spec's -32021 for a client that lacks `required` (as `requiredCapability` gives it). */
export function missingCapabilityError(required: ClientCapabilities): RpcError {
  const name = Object.keys(required)[0] ?? 'unknown';
  return new RpcError(ModernErrorCode.MissingRequiredClientCapability, `Missing required client capability: ${name}`, { requiredCapabilities: required });
}

/**
 * A downstream call made for a stateless client. While it runs, the downstream (2025-era) may ask the client
 * something (sampling, elicitation, roots): the stateless era has no server→client requests, so each ask becomes
 * an entry of `inputRequests` in an `input_required` result and the call stays suspended until the client's
 * retry carries the answers in `inputResponses` (SEP-2322). An ask the client lacks the capability for is
 * refused to the server; if the call then fails, the client gets -32021 naming that capability.
 *
 * The call outlives the attempt that started it: it has its own abort signal, and notifications (progress) go to
 * whichever attempt is waiting on it now.
 */
export class PendingCall {
  readonly id = randomUUID();
  readonly extra: UpstreamExtra;
  private readonly abort = new AbortController();
  private attempt: Attempt;
  private readonly asks = new Map<string, Ask>();
  private sequence = 0;
  private outcome: Step | undefined;
  private wake: (() => void) | undefined;
  /** Gathering asks into one `input_required`: since when, and the timer that ends it. */
  private coalescing: { since: number; timer: ReturnType<typeof setTimeout> } | undefined;
  /** A capability the client lacked for an ask that was refused; if the call then fails, that is why. */
  private lacking: ClientCapabilities | undefined;

  /**
   * @param bridging whether this request may answer `input_required` (tools/call, prompts/get, resources/read);
   * other requests refuse the downstream's asks.
   */
  constructor(
    first: Attempt,
    private readonly bridging: boolean,
    run: (extra: UpstreamExtra) => Promise<LooseResult>,
    private readonly preAnswers: Record<string, LooseResult> = {},
    private readonly holder: { waiting: boolean } = { waiting: false },
  ) {
    this.attempt = first;
    this.extra = {
      signal: this.abort.signal,
      requestId: this.id,
      sendNotification: async (notification: StatelessNotification) => this.attempt.notify(notification),
      sendRequest: (request: LooseRequest, _schema: unknown, options?: { signal?: AbortSignal }) => this.ask(request, options?.signal),
    } as unknown as UpstreamExtra;
    run(this.extra).then(
      (result) => this.settle(result.isError === true && this.lacking ? this.missingCapability(this.lacking) : { kind: 'complete', result }),
      (error: unknown) => this.settle(this.lacking ? this.missingCapability(this.lacking) : { kind: 'failed', error }),
    );
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  /**
   * Waits, on behalf of `attempt`, until the call finishes or has questions for the client. Questions asked and
   * not answered yet are asked again. If the attempt is abandoned while waiting, the call is cancelled.
   */
  async next(attempt: Attempt): Promise<Step> {
    this.attempt = attempt;
    for (;;) {
      if (this.outcome) return this.outcome;
      if (this.asks.size > 0) {
        const inputRequests: Record<string, LooseRequest> = {};
        for (const [key, ask] of this.asks) inputRequests[key] = ask.request;
        return { kind: 'input-required', inputRequests };
      }
      if (attempt.signal?.aborted) {
        this.cancel(attempt.signal.reason);
        continue;
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        attempt.signal?.addEventListener('abort', onAbort, { once: true });
        this.wake = () => {
          attempt.signal?.removeEventListener('abort', onAbort);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** The call now waits for the client's retry: it holds no session lane meanwhile (see InflightRegistry). */
  suspend(): void {
    this.holder.waiting = true;
  }

  /** Hands the client's answers to the downstream requests they belong to; unknown keys are ignored (spec). */
  answer(inputResponses: Record<string, LooseResult>): void {
    this.holder.waiting = false;
    for (const [key, ask] of [...this.asks]) {
      const value = inputResponses[key];
      if (value === undefined) continue;
      this.asks.delete(key);
      ask.resolve(value);
    }
  }

  /** Stops the downstream call (client gone, state expired). */
  cancel(reason?: unknown): void {
    if (this.outcome) return;
    this.abort.abort(reason ?? new Error('the client abandoned the request'));
    this.settle({ kind: 'failed', error: new RpcError(ErrorCode.RequestTimeout, 'Request cancelled') });
  }

  private ask(request: LooseRequest, signal: AbortSignal | undefined): Promise<LooseResult> {
    if (this.outcome) return Promise.reject(new RpcError(ErrorCode.InvalidRequest, 'the client request this belonged to is over'));
    const required = requiredCapability(this.attempt.capabilities, request);
    if (required) {
      // Refused to the server only: it may do without (servers ask for roots on their own account, a tool may
      // fall back). If the call then fails, the client learns which capability it lacks (-32021).
      this.lacking ??= required;
      return Promise.reject(new RpcError(ErrorCode.InvalidRequest, `the client did not declare the capability ${request.method} needs`));
    }
    if (!this.bridging) {
      return Promise.reject(new RpcError(ErrorCode.InvalidRequest, `${request.method} cannot be relayed during this request (stateless client)`));
    }
    const { key, forwarded } = this.keyed(request);
    const answered = this.preAnswers[key];
    if (answered !== undefined) {
      // The client answered up front (a retry without requestState carrying inputResponses).
      delete this.preAnswers[key];
      return Promise.resolve(answered);
    }
    return new Promise<LooseResult>((resolve, reject) => {
      const onAbort = () => {
        this.asks.delete(key);
        reject(signal?.reason ?? new Error('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.asks.set(key, {
        request: forwarded,
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      this.gather();
    });
  }

  /**
   * Waits for the server's next ask a little longer (a quiet period, not a fixed window: a process that was
   * descheduled between two reads must not split one set of questions). When it ends, input that has already
   * arrived is read first (`setImmediate` runs after the poll phase), then the waiting attempt is woken.
   */
  private gather(): void {
    const now = Date.now();
    const since = this.coalescing?.since ?? now;
    if (this.coalescing) clearTimeout(this.coalescing.timer);
    const wait = Math.max(0, Math.min(ASK_COALESCE_MS, since + ASK_COALESCE_MAX_MS - now));
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (this.coalescing?.timer !== timer) return; // a later ask started a new quiet period
        this.coalescing = undefined;
        this.wake?.();
      });
    }, wait);
    this.coalescing = { since, timer };
  }

  /** The ask's key (the server's name for it, or the next number) and the request as the client gets it. */
  private keyed(request: LooseRequest): { key: string; forwarded: LooseRequest } {
    const params = request.params;
    const meta = params && isRecord(params._meta) ? params._meta : undefined;
    const named = meta?.[INPUT_KEY_META];
    let forwardedParams = params;
    if (meta && named !== undefined) {
      const { [INPUT_KEY_META]: _named, ...rest } = meta;
      forwardedParams = { ...params, _meta: rest };
      if (Object.keys(rest).length === 0) delete forwardedParams._meta;
    }
    const key = typeof named === 'string' && named.length > 0 && !this.asks.has(named) ? named : `input-${++this.sequence}`;
    return { key, forwarded: forwardedParams === undefined ? { method: request.method } : { method: request.method, params: forwardedParams } };
  }

  private missingCapability(required: ClientCapabilities): Step {
    return { kind: 'failed', error: missingCapabilityError(required) };
  }

  private settle(step: Step): void {
    if (this.outcome) return;
    this.outcome = step;
    if (this.coalescing) clearTimeout(this.coalescing.timer);
    this.coalescing = undefined;
    for (const ask of this.asks.values()) ask.reject(new RpcError(ErrorCode.InvalidRequest, 'the client request this belonged to is over'));
    this.asks.clear();
    this.wake?.();
  }
}
