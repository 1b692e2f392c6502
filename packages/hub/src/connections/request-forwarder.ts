import type { Logger, ServerDefinition } from '@mcp-switchboard/plugin-api';
import type { LinkClient } from './link-client.js';
import { McpError, type ClientNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { missingCapability } from '../routing/client-requests.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { redact } from '../util/redact.js';
import { ErrorCode, RpcError, errorMessage, passThroughError, switchboardRpcError } from '../util/rpc-error.js';
import { LooseResultSchema, isRecord, type LooseParams, type LooseRequest, type LooseResult } from '../util/schemas.js';
import { Deadlines, type Deadline } from './deadlines.js';
import type { DirectCall, DirectRequests } from './direct-requests.js';
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

/**
 * The progress tokens the hub puts on its downstream requests (unique per connection), and where each token's
 * notifications go. The link hands every `notifications/progress` to `deliver` before the SDK sees it.
 */
export class ProgressTokens {
  private readonly prefix = `swb-${++connectionSequence}-`;
  private sequence = 0;
  private readonly handlers = new Map<string, (params: Record<string, unknown>) => void>();

  constructor(private readonly onError: (error: unknown) => void) {}

  open(handler: (params: Record<string, unknown>) => void): string {
    const token = `${this.prefix}${++this.sequence}`;
    this.handlers.set(token, handler);
    return token;
  }

  close(token: string): void {
    this.handlers.delete(token);
  }

  clear(): void {
    this.handlers.clear();
  }

  /** True if the notification carries one of our tokens (a late one for a finished request is dropped quietly). */
  deliver(params: Record<string, unknown>): boolean {
    const token = params.progressToken;
    if (typeof token !== 'string' || !token.startsWith(this.prefix)) return false;
    const handler = this.handlers.get(token);
    if (handler) {
      const { progressToken: _ignored, ...rest } = params;
      try {
        handler(rest);
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

  constructor(private readonly options: RequestForwarderOptions) {
    this.id = options.definition.id;
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

    const { requestMs, maxTotalMs, perTool } = this.limitsFor(options.tool);
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
    const startedAt = Date.now();
    let timeoutError: RpcError | undefined;
    let deadline: Deadline | undefined;
    /** Whether the armed deadline is the total cap (else: no progress within requestMs). */
    let deadlineIsTotal = false;

    const expire = (total: boolean) => {
      const limit = total ? maxTotalMs : requestMs;
      const whose = perTool ? `; the limit configured for tool "${options.tool}"` : '';
      timeoutError = switchboardRpcError(
        ErrorCode.RequestTimeout,
        'SWB_TIMEOUT',
        total
          ? `Server "${this.id}" did not finish ${options.label} within the maximum total time of ${limit} ms${perTool ? ` (the limit configured for tool "${options.tool}")` : ''}`
          : `Server "${this.id}" did not answer ${options.label} within ${limit} ms (no progress in that time${whose})`,
        { server: this.id, request: options.label, limitMs: limit, ...(options.tool !== undefined ? { tool: options.tool } : {}) },
      );
      cancel(timeoutError);
    };
    const onDeadline = () => expire(deadlineIsTotal);
    const arm = () => {
      const now = Date.now();
      const left = maxTotalMs - (now - startedAt);
      if (left <= 0) {
        if (deadline) this.deadlines.delete(deadline);
        return expire(true);
      }
      const wait = Math.min(requestMs, left, MAX_TIMEOUT_MS);
      deadlineIsTotal = wait < requestMs;
      if (deadline) this.deadlines.move(deadline, now + wait);
      else deadline = this.deadlines.add(now + wait, onDeadline);
    };
    const onUpstreamAbort = () => cancel(options.signal?.reason ?? new Error('cancelled by the client'));
    options.signal?.addEventListener('abort', onUpstreamAbort, ONCE);
    const token = this.options.progress.open((progress) => {
      if (timeoutError) return;
      arm();
      options.onProgress?.(progress);
    });
    arm();
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
        (request) => this.askClient(request, options, abortSignal(), maxTotalMs),
        (extra) => once({ ...sent, ...extra }),
      );
    } catch (error) {
      if (timeoutError) throw timeoutError;
      if (this.options.readyClient() !== client) throw serverUnavailable(this.options.condition(), { kind: 'went-away', during: options.label });
      // A JSON-RPC error is the server's own answer and passes through; anything else (a write that failed on
      // a dying pipe, a dropped HTTP stream) is the link failing, and the client must learn which server it was.
      if (!(error instanceof McpError) && !(error instanceof RpcError) && !options.signal?.aborted) {
        const reason = redact(errorMessage(error), this.options.definition);
        throw serverUnavailable(this.options.condition(), { kind: 'unreachable', during: options.label, reason });
      }
      throw passThroughError(error);
    } finally {
      if (deadline) this.deadlines.delete(deadline);
      options.signal?.removeEventListener('abort', onUpstreamAbort);
      this.options.progress.close(token);
      if (callId !== undefined) lanes.delete(callId);
    }
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
