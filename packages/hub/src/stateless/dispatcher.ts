import {
  MODERN_PROTOCOL_VERSION,
  ModernErrorCode,
  type StatelessRequest,
  type StatelessRequestOptions,
  type StatelessResponse,
} from '@mcp-switchboard/plugin-api';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { HubContext } from '../context.js';
import type { UpstreamExtra } from '../connections/session-lanes.js';
import type { Router } from '../routing/router.js';
import { ErrorCode, RpcError, errorMessage } from '../util/rpc-error.js';
import { isRecord, type LooseParams, type LooseResult } from '../util/schemas.js';
import type { RequestStateWrapper, StateBinding } from '../connections/input-bridge.js';
import { missingCapabilityError, PendingCall, requiredCapability, type Attempt, type Step } from './pending-call.js';
import { RequestStateSigner, type RequestStatePayload, type StateRejection } from './request-state.js';
import { checkHttpHeaders } from './http-headers.js';
import { assertServedVersion, downstreamParams as forwardedOf, readRequestMeta, type RequestMeta } from './request-meta.js';
import { CACHEABLE_METHODS, FRESHNESS_MS, stampResult, type CacheHint } from './result-stamp.js';
import { StatelessSession } from './stateless-session.js';
import { Subscriptions } from './subscriptions.js';
import { SUSPEND_MS, SuspendedCalls } from './suspended-calls.js';

/** The 2025-era code for "resource not found"; 2026-07-28 uses -32602 (Invalid params) instead. */
const LEGACY_RESOURCE_NOT_FOUND = -32002;

/** Requests that may answer `input_required` (spec: basic/patterns/mrtr, "Supported Requests"). */
const BRIDGING_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Methods of the stateless era this hub serves. Everything else (initialize, ping, logging/setLevel...) is -32601. */
const METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
  'subscriptions/listen',
]);

/** What the stateless front of the hub advertises in `server/discover`. */
export const statelessCapabilities = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  completions: {},
};

export interface StatelessDispatcherOptions {
  ctx: HubContext;
  router: Router;
  serverInfo: { name: string; version: string };
  /** The view a request without a profile is served from. */
  defaultView: string;
  /** Checks a requested profile (throws a SwitchboardError for an unknown one). */
  assertProfile(profile: string): void;
  signer?: RequestStateSigner;
  suspended?: SuspendedCalls;
  now?: () => number;
}

const rejectionText: Record<StateRejection | 'unknown' | 'mismatch', string> = {
  malformed: 'requestState is not one this server issued',
  tampered: 'requestState failed its integrity check',
  expired: 'requestState has expired; send the request again without it',
  unknown:
    'requestState refers to a call that is not suspended in this Switchboard process: it finished, expired, or was suspended by another replica (see docs/deploy.md); send the request again without it',
  mismatch: 'requestState belongs to a different request',
};

/**
 * Serves MCP 2026-07-28 requests without a session: validates the per-request `_meta`, answers
 * `server/discover`, routes through the shared Router with a per-request session, and turns a 2025-era
 * downstream's questions to the client into `input_required` results (see PendingCall).
 */
export class StatelessDispatcher {
  private readonly signer: RequestStateSigner;
  private readonly suspended: SuspendedCalls;
  private readonly now: () => number;
  /** One requestState wrapper per view (profile), made on first use. */
  private readonly wrappers = new Map<string, RequestStateWrapper>();
  /** The open `subscriptions/listen` streams. */
  readonly subscriptions: Subscriptions;

  constructor(private readonly options: StatelessDispatcherOptions) {
    this.now = options.now ?? Date.now;
    this.signer = options.signer ?? new RequestStateSigner(undefined, this.now);
    this.suspended = options.suspended ?? new SuspendedCalls();
    this.subscriptions = new Subscriptions(options.ctx, options.router);
  }

  /** Versions `server/discover` advertises: the stateless one, and the legacy ones served through `initialize`. */
  static supportedVersions(): string[] {
    return [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v !== MODERN_PROTOCOL_VERSION)];
  }

  async handle(request: StatelessRequest, options: StatelessRequestOptions = {}): Promise<StatelessResponse> {
    try {
      const result = await this.dispatch(request, options);
      return { jsonrpc: '2.0', id: request.id, result };
    } catch (error) {
      return { jsonrpc: '2.0', id: request.id, error: toErrorObject(error) };
    }
  }

  /** Ends listen streams gracefully and cancels suspended calls (the hub is stopping). */
  stop(): void {
    this.subscriptions.endAll();
    this.suspended.cancelAll();
  }

  private async dispatch(request: StatelessRequest, options: StatelessRequestOptions): Promise<LooseResult> {
    const method = request.method;
    if (!METHODS.has(method)) throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    const params: LooseParams = isRecord(request.params) ? request.params : {};
    const meta = readRequestMeta(params);
    if (options.profile !== undefined) this.options.assertProfile(options.profile);
    if (options.httpHeaders) {
      const snapshot = this.options.ctx.view(options.profile ?? this.options.defaultView);
      checkHttpHeaders(options.httpHeaders, method, params, meta.protocolVersion, (name) => snapshot.toolsByName.get(name)?.definition.inputSchema);
    }
    assertServedVersion(meta);
    const view = options.profile ?? this.options.defaultView;
    const session = new StatelessSession(this.options.ctx, view, meta.logLevel, this.wrapperFor(view));
    const router = this.options.router;
    const cache = CACHEABLE_METHODS.has(method) ? this.cacheHint(method, view) : undefined;
    const stamp = (result: LooseResult) => stampResult(result, this.options.serverInfo, cache);
    const forwarded = forwardedOf(params);

    switch (method) {
      case 'server/discover':
        return stamp(this.discover(view));
      case 'subscriptions/listen':
        return stamp(await this.subscriptions.listen(request.id, session, params, (n) => options.notify?.(n), options.signal));
      case 'tools/list':
        return stamp(await router.listTools(session, forwarded));
      case 'prompts/list':
        return stamp(await router.listPrompts(session, forwarded));
      case 'resources/list':
        return stamp(await router.listResources(session, forwarded));
      case 'resources/templates/list':
        return stamp(await router.listResourceTemplates(session, forwarded));
      default:
        return this.call(method, params, meta, options, session, (extra) => this.route(method, session, forwarded, extra), stamp);
    }
  }

  private route(method: string, session: StatelessSession, params: LooseParams, extra: UpstreamExtra): Promise<LooseResult> {
    const router = this.options.router;
    switch (method) {
      case 'tools/call':
        return router.callTool(session, params, extra);
      case 'prompts/get':
        return router.getPrompt(session, params, extra);
      case 'resources/read':
        return router.readResource(session, params, extra);
      default:
        return router.complete(session, params, extra);
    }
  }

  /** A forwarded request: started fresh, or resumed from the `requestState` of an earlier `input_required`. */
  private async call(
    method: string,
    params: LooseParams,
    meta: RequestMeta,
    options: StatelessRequestOptions,
    session: StatelessSession,
    run: (extra: UpstreamExtra) => Promise<LooseResult>,
    stamp: (result: LooseResult) => LooseResult,
  ): Promise<LooseResult> {
    const attempt: Attempt = {
      capabilities: meta.clientCapabilities,
      signal: options.signal,
      notify: (notification) => options.notify?.(notification),
    };
    const target = targetOf(method, params);
    const bridging = BRIDGING_METHODS.has(method);
    const responses = bridging ? inputResponsesOf(params) : {};
    let call: PendingCall;
    const presented = params.requestState !== undefined && bridging ? this.verified(params.requestState) : undefined;
    if (presented?.kind === 'suspended') {
      call = this.resume(presented, method, target, session.view);
      call.answer(responses);
    } else if (presented?.kind === 'downstream') {
      // A 2026-era server's own state, wrapped: the retry goes to that server with the answers (the session's
      // RequestStateWrapper unwraps it there, checking server, request and view). Any replica can do this.
      const retry = { ...forwardedOf(params), requestState: params.requestState, inputResponses: responses };
      call = new PendingCall(attempt, bridging, (extra) => this.route(method, session, retry, extra), {}, session);
    } else {
      // Answers given without requestState (the stateless pattern) are handed to the matching asks of a fresh call.
      call = new PendingCall(attempt, bridging, run, responses, session);
    }
    const step: Step = await call.next(attempt);
    switch (step.kind) {
      case 'complete':
        if (step.result.resultType === 'input_required') assertCanAnswer(step.result, meta);
        return stamp(step.result);
      case 'failed':
        throw step.error;
      case 'input-required': {
        call.suspend();
        for (const connection of this.options.ctx.connections()) connection.lanes.reconsider();
        const { key, expiresAt } = this.suspended.park(call, this.now());
        const requestState = this.signer.sign({ kind: 'suspended', call: key, method, target, view: session.view, expiresAt });
        return stampResult({ resultType: 'input_required', inputRequests: step.inputRequests, requestState }, this.options.serverInfo);
      }
    }
  }

  /** The presented state as we signed it, or the spec's -32602 (malformed, altered, expired). */
  private verified(state: unknown): RequestStatePayload {
    const verified = this.signer.verify(state);
    if (verified.kind === 'rejected') throw refusal(verified.reason);
    return verified.payload;
  }

  private resume(payload: RequestStatePayload & { kind: 'suspended' }, method: string, target: string, view: string): PendingCall {
    if (payload.method !== method || payload.target !== target || payload.view !== view) throw refusal('mismatch');
    const call = this.suspended.take(payload.call);
    if (!call) throw refusal('unknown');
    return call;
  }

  /** Wraps and unwraps a 2026-era downstream's own `requestState` for clients of one view (pass-through). */
  private wrapperFor(view: string): RequestStateWrapper {
    let wrapper = this.wrappers.get(view);
    if (!wrapper) {
      wrapper = this.newWrapper(view);
      this.wrappers.set(view, wrapper);
    }
    return wrapper;
  }

  private newWrapper(view: string): RequestStateWrapper {
    return {
      wrap: (state: string, binding: StateBinding) =>
        this.signer.sign({
          kind: 'downstream',
          server: binding.server,
          state,
          method: binding.method,
          target: binding.target,
          view,
          expiresAt: this.now() + SUSPEND_MS,
        }),
      unwrap: (token: string, binding: StateBinding) => {
        const verified = this.signer.verify(token);
        if (verified.kind !== 'valid' || verified.payload.kind !== 'downstream') return undefined;
        const { payload } = verified;
        const fits = payload.server === binding.server && payload.method === binding.method && payload.target === binding.target && payload.view === view;
        return fits ? payload.state : undefined;
      },
    };
  }

  private discover(view: string): LooseResult {
    const instructions = this.options.ctx.instructions(view);
    return {
      supportedVersions: StatelessDispatcher.supportedVersions(),
      capabilities: statelessCapabilities,
      ...(instructions !== undefined ? { instructions } : {}),
    };
  }

  /**
   * Lists shaped for this caller (a profile's servers, a filter that hides tools or prompts) must not be shared
   * by caches between callers; reads carry downstream data, which may be the caller's own.
   */
  private cacheHint(method: string, view: string): CacheHint {
    const shaped =
      method === 'resources/read' ||
      view !== this.options.defaultView ||
      (method === 'tools/list' && this.filtered(view, 'tools')) ||
      (method === 'prompts/list' && this.filtered(view, 'prompts')) ||
      (method === 'server/discover' && (this.filtered(view, 'tools') || this.filtered(view, 'prompts')));
    return { ttlMs: FRESHNESS_MS, cacheScope: shaped ? 'private' : 'public' };
  }

  /** True when a filter hides some of the view's tools (or prompts). */
  private filtered(view: string, kind: 'tools' | 'prompts'): boolean {
    const snapshot = this.options.ctx.view(view);
    const unlisted = kind === 'tools' ? snapshot.unlistedTools : snapshot.unlistedPrompts;
    for (const entry of unlisted.values()) if (entry.reason === 'hidden') return true;
    return false;
  }
}

function refusal(why: StateRejection | 'unknown' | 'mismatch'): RpcError {
  return new RpcError(ErrorCode.InvalidParams, `Invalid params: ${rejectionText[why]}`, { reason: why });
}

/**
 * A 2026-era downstream's `input_required` passed through asks the client for things it must be able to answer: a
 * request its capabilities do not cover is the spec's -32021 now, not a question the client cannot handle.
 */
function assertCanAnswer(result: LooseResult, meta: RequestMeta): void {
  const requests = isRecord(result.inputRequests) ? result.inputRequests : {};
  for (const request of Object.values(requests)) {
    if (!isRecord(request) || typeof request.method !== 'string') continue;
    const params = isRecord(request.params) ? (request.params as LooseParams) : undefined;
    const required = requiredCapability(meta.clientCapabilities, params ? { method: request.method, params } : { method: request.method });
    if (required) throw missingCapabilityError(required);
  }
}

/** The client's answers of a retry, each an object (a result of sampling, elicitation or roots); {} when none. */
function inputResponsesOf(params: LooseParams): Record<string, LooseResult> {
  const responses = params.inputResponses;
  if (responses === undefined) return {};
  if (!isRecord(responses)) throw new RpcError(ErrorCode.InvalidParams, 'Invalid params: "inputResponses" must be an object');
  for (const [key, value] of Object.entries(responses)) {
    if (!isRecord(value)) throw new RpcError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${key}"] must be an object`);
  }
  return { ...(responses as Record<string, LooseResult>) };
}

/** What a requestState is bound to besides the method: the tool or prompt name, or the resource URI. */
function targetOf(method: string, params: LooseParams): string {
  const value = method === 'resources/read' ? params.uri : params.name;
  return typeof value === 'string' ? value : '';
}

/** A thrown error as a JSON-RPC error object; the 2025-era "resource not found" code becomes the 2026 one. */
function toErrorObject(error: unknown): { code: number; message: string; data?: unknown } {
  const raw = error as { code?: unknown; message?: unknown; data?: unknown };
  let code = typeof raw?.code === 'number' && Number.isSafeInteger(raw.code) ? raw.code : ErrorCode.InternalError;
  if (code === LEGACY_RESOURCE_NOT_FOUND) code = ErrorCode.InvalidParams;
  const message = typeof raw?.message === 'string' && raw.message.length > 0 ? raw.message.replace(/^MCP error -?\d+: /, '') : errorMessage(error);
  return raw?.data === undefined ? { code, message } : { code, message, data: raw.data };
}
