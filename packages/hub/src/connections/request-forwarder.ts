import type { Logger, ServerDefinition } from '@mcp-switchboard/plugin-api';
import type { LinkClient } from './link-client.js';
import { McpError, type ClientNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { missingCapability } from '../routing/client-requests.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { redact } from '../util/redact.js';
import { ErrorCode, RpcError, errorMessage, passThroughError, switchboardRpcError } from '../util/rpc-error.js';
import { LooseResultSchema, isRecord, type LooseParams, type LooseRequest, type LooseResult } from '../util/schemas.js';
import { Deadlines } from './deadlines.js';
import type { DirectCall, DirectOutcome, DirectRequests } from './direct-requests.js';
import { CallClock } from './call-clock.js';
import { RelayedCall, type RelayHost } from './relayed-call.js';
import { bridgeInputRequired, isInputRequired, stateBinding, unwrapRetry, wrapResult, type InputRequiredHandling } from './input-bridge.js';
import { ownMeta } from './link-client.js';
import type { ServerToClientMethod } from './link-opener.js';
import type { SessionLanes, SessionRef, UpstreamExtra } from './session-lanes.js';
import { serverUnavailable, type ServerCondition } from './unavailable.js';

export interface ResolvedTimeouts {
  connectMs: number;
  requestMs: number;
  maxTotalMs: number;
}

export interface ForwardOptions {
  /** What the request is, for error messages: `tools/call "echo"`. */
  label: string;
  /** The upstream request's signal: client cancellation reaches the downstream request. */
  signal?: AbortSignal;
  /** Receives each downstream progress notification's params (without its token). */
  onProgress?: (params: Record<string, unknown>) => void;
  /** The upstream call this request serves: server→client requests and log messages are related to it. */
  origin?: { session: SessionRef; extra: UpstreamExtra };
  /** The original tool name of a tools/call: its own time limits apply (`timeouts.tools`). */
  tool?: string;
  /**
   * A 2026-era server's `input_required`: bridged to the client of `origin` (default), or passed through. Default:
   * what the origin's session asks for (`SessionRef.inputRequiredHandling`).
   */
  inputRequired?: InputRequiredHandling;
}

let connectionSequence = 0;

/** Shared by every call (no object per call): the default handling of `input_required`, the listener options. */
const BRIDGE: InputRequiredHandling = { kind: 'bridge' };
const ONCE = { once: true } as const;

/** Receives the progress notifications of one request (without their token). */
export interface ProgressListener {
  onProgress(params: Record<string, unknown>): void;
}

/**
 * The progress tokens the hub puts on its downstream requests (unique per connection), and where each token's
 * notifications go. The link hands every `notifications/progress` to `deliver` before the SDK sees it.
 */
export class ProgressTokens {
  private readonly prefix = `swb-${++connectionSequence}-`;
  private sequence = 0;
  private readonly listeners = new Map<string, ProgressListener>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /**
   * A new token: the prefix and the next number in base 36. Not in decimal: a number turned into decimal text goes
   * into V8's number-string cache, which keeps the text alive through the next scavenge and so gets it promoted to
   * the old generation, one per call (apps/bench/README.md, "Sixth round"). Base 36 text is not cached.
   */
  open(listener: ProgressListener): string {
    const token = `${this.prefix}${(++this.sequence).toString(36)}`;
    this.listeners.set(token, listener);
    return token;
  }

  close(token: string): void {
    this.listeners.delete(token);
  }

  clear(): void {
    this.listeners.clear();
  }

  /** True if the notification carries one of our tokens (a late one for a finished request is dropped quietly). */
  deliver(params: Record<string, unknown>): boolean {
    const token = params.progressToken;
    if (typeof token !== 'string' || !token.startsWith(this.prefix)) return false;
    const listener = this.listeners.get(token);
    if (listener) {
      const { progressToken: _ignored, ...rest } = params;
      try {
        listener.onProgress(rest);
      } catch (error) {
        this.onError(error);
      }
    }
    return true;
  }
}

export interface RequestForwarderOptions {
  definition: ServerDefinition;
  timeouts: ResolvedTimeouts;
  lanes: SessionLanes;
  progress: ProgressTokens;
  logger: Logger;
  /** The client of the ready link, or undefined when the server is not ready. */
  readyClient(): LinkClient | undefined;
  /** The ready link's client and (2025-era links) its relay of requests, or undefined when the server is not ready. */
  readyLink(): { client: LinkClient; direct: DirectRequests | undefined } | undefined;
  condition(): ServerCondition;
}

/**
 * One downstream request at a time: its session lane, its time limits (the server's or the tool's own), its
 * progress token, its cancellation, and what its failure tells the client.
 */
export class RequestForwarder {
  private readonly id: string;
  /** The time limits of this connection's calls in flight, on one timer. */
  private readonly deadlines = new Deadlines();

  /** What a relayed call uses of its connection. */
  private readonly relayHost: RelayHost;

  constructor(private readonly options: RequestForwarderOptions) {
    this.id = options.definition.id;
    this.relayHost = {
      id: this.id,
      deadlines: this.deadlines,
      progress: options.progress,
      lanes: options.lanes,
      failure: (error, client, clock, forwarded) => this.failure(error, client, clock, forwarded),
      askClient: (request, forwarded, signal, maxTotalMs) => this.askClient(request, forwarded, signal, maxTotalMs),
    };
  }

  /** The time limits of one request: the server's, or the tool's own (`timeouts.tools[<original name>]`). */
  limitsFor(tool: string | undefined): { requestMs: number; maxTotalMs: number; perTool: boolean } {
    const { timeouts, definition } = this.options;
    const own = tool !== undefined ? definition.timeouts?.tools?.[tool] : undefined;
    if (!own || (own.requestMs === undefined && own.maxTotalMs === undefined)) {
      return { requestMs: timeouts.requestMs, maxTotalMs: timeouts.maxTotalMs, perTool: false };
    }
    const requestMs = own.requestMs ?? timeouts.requestMs;
    // A tool given a longer timeout than the server's total cap gets that much time in total too.
    const maxTotalMs = own.maxTotalMs ?? Math.max(timeouts.maxTotalMs, requestMs);
    return { requestMs, maxTotalMs, perTool: true };
  }

  /**
   * Sends one request to the ready server and returns its result untouched. We own the timeout (`requestMs`,
   * reset by each progress notification, capped by `maxTotalMs`; per tool when configured); the upstream signal
   * and the timeout both abort the downstream request (then `notifications/cancelled` goes to the server). The
   * request is relayed past the SDK client (DirectRequests): the result comes back as the server sent it.
   */
  async send(method: string, params: LooseParams, options: ForwardOptions): Promise<LooseResult> {
    const link = this.options.readyLink();
    if (!link) throw serverUnavailable(this.options.condition(), { kind: 'down' });
    const client = link.client;
    const lanes = this.options.lanes;
    // Session lanes: wait for this session's turn before the clock starts; the call is registered as it is admitted.
    const entered = options.origin ? lanes.enter(options.origin.session, options.origin.extra, options.signal) : undefined;
    const callId = typeof entered === 'object' ? await entered : entered;

    const limits = this.limitsFor(options.tool);
    // The first of timeout and client cancellation ends the downstream request (no AbortController: this is per call).
    let call: DirectCall | undefined;
    let cancelledBy: { reason: unknown } | undefined;
    // A 2026-era link (and a client asked on a 2026-era server's behalf) is cancelled through a signal, made when
    // first needed: a 2025-era link's relayed request is cancelled through `call`.
    let abort: AbortController | undefined;
    const abortSignal = (): AbortSignal => {
      if (!abort) {
        abort = new AbortController();
        if (cancelledBy) abort.abort(cancelledBy.reason);
      }
      return abort.signal;
    };
    const cancel = (reason: unknown) => {
      if (cancelledBy) return;
      cancelledBy = { reason };
      call?.cancel(reason);
      abort?.abort(reason);
    };
    const clock = new CallClock(this.deadlines, limits, { server: this.id, label: options.label, tool: options.tool }, cancel);
    const onUpstreamAbort = () => cancel(options.signal?.reason ?? new Error('cancelled by the client'));
    options.signal?.addEventListener('abort', onUpstreamAbort, ONCE);
    const token = this.options.progress.open({
      onProgress: (progress) => {
        if (clock.expired) return;
        clock.progress();
        options.onProgress?.(progress);
      },
    });
    clock.start();
    try {
      const handling = options.inputRequired ?? options.origin?.session.inputRequiredHandling?.() ?? BRIDGE;
      const binding = handling.kind === 'pass-through' ? stateBinding(this.id, method, params) : undefined;
      const sent = handling.kind === 'pass-through' ? unwrapRetry(params, binding!, handling.states) : params;
      const once = (p: LooseParams): Promise<LooseResult> => {
        if (!link.direct) {
          const meta = isRecord(p._meta) ? p._meta : {};
          const withToken = { ...p, _meta: { ...meta, progressToken: token } };
          return client.request({ method, params: withToken }, LooseResultSchema, { signal: abortSignal(), timeout: MAX_TIMEOUT_MS });
        }
        // A 2025-era link: relayed past the SDK client, the reserved client-hop keys dropped as its client does.
        call = link.direct.start(method, ownMeta(p, { progressToken: token })!);
        if (cancelledBy) call.cancel(cancelledBy.reason);
        return call.result;
      };
      const result = await once(sent);
      if (!isInputRequired(result)) return result;
      if (handling.kind === 'pass-through') return wrapResult(result, binding!, handling.states);
      return await bridgeInputRequired(
        result,
        { server: this.id, label: options.label },
        (request) => this.askClient(request, options, abortSignal(), limits.maxTotalMs),
        (extra) => once({ ...sent, ...extra }),
      );
    } catch (error) {
      throw this.failure(error, client, clock, options);
    } finally {
      clock.stop();
      options.signal?.removeEventListener('abort', onUpstreamAbort);
      this.options.progress.close(token);
      if (callId !== undefined) lanes.delete(callId);
    }
  }

  /**
   * Whether `relay` can take a request now: a ready 2025-era link (requests relayed past the SDK client), no
   * session lane to wait for, and a server's `input_required` bridged (not passed through to a 2026-era client).
   */
  canRelay(options: ForwardOptions): boolean {
    if (this.options.lanes.isolated || this.options.readyLink()?.direct === undefined) return false;
    const handling = options.inputRequired ?? options.origin?.session.inputRequiredHandling?.() ?? BRIDGE;
    return handling.kind === 'bridge';
  }

  /**
   * `send` without a promise on the way (when `canRelay`): the request is written now and `done` gets its outcome
   * in the same tick its answer is read, so the client's answer can be written at once (see RelayedCall).
   */
  relay(method: string, params: LooseParams, options: ForwardOptions, done: (outcome: DirectOutcome) => void): void {
    const link = this.options.readyLink()!;
    new RelayedCall(this.relayHost, link.client, link.direct!, options, this.limitsFor(options.tool), done).relay(method, params);
  }

  /** What a failed request tells the client (the timeout, a server gone, the server's own error, a broken link). */
  private failure(error: unknown, client: LinkClient, clock: CallClock, options: ForwardOptions): Error {
    if (clock.expired) return clock.expired;
    if (this.options.readyClient() !== client) return serverUnavailable(this.options.condition(), { kind: 'went-away', during: options.label });
    // A JSON-RPC error is the server's own answer and passes through; anything else (a write that failed on
    // a dying pipe, a dropped HTTP stream) is the link failing, and the client must learn which server it was.
    if (!(error instanceof McpError) && !(error instanceof RpcError) && !options.signal?.aborted) {
      const reason = redact(errorMessage(error), this.options.definition);
      return serverUnavailable(this.options.condition(), { kind: 'unreachable', during: options.label, reason });
    }
    return passThroughError(error);
  }

  /**
   * One input request of a 2026-era server, asked of the client whose call it is (the reverse bridge). Unlike a
   * 2025-era server's own request, nothing needs attributing: the call that got `input_required` is known.
   */
  private async askClient(request: LooseRequest, options: ForwardOptions, signal: AbortSignal, maxTotalMs: number): Promise<LooseResult> {
    const method = request.method as ServerToClientMethod;
    const origin = options.origin;
    const missing = origin ? missingCapability(origin.session.clientCapabilities(), method, request.params) : 'a session to ask';
    if (missing || !origin) {
      throw switchboardRpcError(
        ErrorCode.InvalidRequest,
        'SWB_INPUT_REQUIRED',
        `Server "${this.id}" needs ${method} to complete ${options.label}, but the client did not declare ${missing}`,
        { server: this.id, method },
      );
    }
    const timeout = Math.min(maxTotalMs, MAX_TIMEOUT_MS);
    return this.options.lanes.asking(() => origin.extra.sendRequest(request as ServerRequest, LooseResultSchema, { signal, timeout }));
  }

  /** A plain request with the server's request timeout (setLevel, subscribe, ...). */
  async request(method: string, params: LooseParams | undefined): Promise<LooseResult> {
    const client = this.options.readyClient();
    if (!client) throw serverUnavailable(this.options.condition(), { kind: 'down' });
    try {
      const request = params === undefined ? { method } : { method, params };
      return await client.request(request, LooseResultSchema, { timeout: Math.min(this.options.timeouts.requestMs, MAX_TIMEOUT_MS) });
    } catch (error) {
      throw passThroughError(error);
    }
  }

  /** Sends a notification to the server if it is ready; failures are logged, never thrown. */
  notify(method: string, params?: LooseParams): void {
    const client = this.options.readyClient();
    if (!client) return;
    const notification = (params === undefined ? { method } : { method, params }) as ClientNotification;
    client.notification(notification).catch((error: unknown) => {
      this.options.logger.debug(`server "${this.id}": could not send ${method}`, { server: this.id, error: errorMessage(error) });
    });
  }
}
