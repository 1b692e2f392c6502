import type { RpcError } from '../util/rpc-error.js';
import type { LooseParams, LooseRequest, LooseResult } from '../util/schemas.js';
import { CallClock, type CallLimits } from './call-clock.js';
import type { Deadlines } from './deadlines.js';
import type { DirectAnswer, DirectOutcome, DirectRequests } from './direct-requests.js';
import { bridgeInputRequired, isInputRequired } from './input-bridge.js';
import { ownMeta } from './link-client.js';
import type { LinkClient } from './link-client.js';
import type { ForwardOptions, ProgressListener, ProgressTokens } from './request-forwarder.js';
import type { SessionLanes } from './session-lanes.js';

/** What a relayed call uses of its connection (RequestForwarder). */
export interface RelayHost {
  readonly id: string;
  readonly deadlines: Deadlines;
  readonly progress: ProgressTokens;
  readonly lanes: SessionLanes;
  /** What a failed request tells the client (RequestForwarder's rules: timeout, server gone, its own error...). */
  failure(error: unknown, client: LinkClient, clock: CallClock, options: ForwardOptions): Error;
  /** Asks the client of the call's session (a server's `input_required`). */
  askClient(request: LooseRequest, options: ForwardOptions, signal: AbortSignal, maxTotalMs: number): Promise<LooseResult>;
}

const ONCE = { once: true } as const;

/**
 * One request relayed on a 2025-era link with no promise between the server's answer and `done`
 * (RequestForwarder.relay): its session lane, its time limits, its progress token and its cancellation. It is one
 * object per call, and is itself what it hands out: its own deadline (CallClock), the listener of the client's
 * cancellation (`handleEvent`), of its progress (`onProgress`) and of its answer (`settle`). What the client gets
 * is what `RequestForwarder.send` gives it.
 */
export class RelayedCall extends CallClock implements DirectAnswer, ProgressListener {
  private method = '';
  private params: LooseParams = {};
  private token = '';
  private laneId: number | undefined;
  private cancelSent: ((reason: unknown) => void) | undefined;
  private cancelledBy: { reason: unknown } | undefined;
  /** Made when the server asks for input: asking the client is cancelled through it. */
  private asking: AbortController | undefined;
  /** Where the answer goes while the server asks for input (the bridge's retry), instead of `settle`'s end. */
  private retry: DirectAnswer | undefined;

  constructor(
    private readonly host: RelayHost,
    private readonly client: LinkClient,
    private readonly direct: DirectRequests,
    private readonly options: ForwardOptions,
    limits: CallLimits,
    private readonly done: (outcome: DirectOutcome) => void,
  ) {
    super(host.deadlines, limits, { server: host.id, label: options.label, tool: options.tool });
  }

  /** Registers the call in its lane, starts its clock and writes the request. */
  relay(method: string, params: LooseParams): void {
    const { host, options } = this;
    this.method = method;
    this.params = params;
    if (options.origin) this.laneId = host.lanes.add(options.origin.session, options.origin.extra);
    options.signal?.addEventListener('abort', this, ONCE);
    this.token = host.progress.open(this);
    super.start();
    this.send(params);
  }

  /** The client cancelled the call. */
  handleEvent(): void {
    this.cancel(this.options.signal?.reason ?? new Error('cancelled by the client'));
  }

  onProgress(progress: Record<string, unknown>): void {
    if (this.expired) return;
    this.progress();
    this.options.onProgress?.(progress);
  }

  /** The server's answer (or the link's failure). */
  settle(outcome: DirectOutcome): void {
    if (this.retry) return this.retry.settle(outcome);
    if (!outcome.ok || !isInputRequired(outcome.result)) return this.finish(outcome);
    this.bridge(outcome.result);
  }

  protected override timedOut(error: RpcError): void {
    this.cancel(error);
  }

  private send(params: LooseParams): void {
    this.cancelSent = this.direct.relay(this.method, ownMeta(params, { progressToken: this.token })!, this);
    if (this.cancelledBy) this.cancelSent(this.cancelledBy.reason);
  }

  private cancel(reason: unknown): void {
    if (this.cancelledBy) return;
    this.cancelledBy = { reason };
    this.cancelSent?.(reason);
    this.asking?.abort(reason);
  }

  /** A server that asks for input mid-call (rare on a 2025-era link): bridged as `RequestForwarder.send` does. */
  private bridge(first: LooseResult): void {
    const asking = new AbortController();
    this.asking = asking;
    if (this.cancelledBy) asking.abort(this.cancelledBy.reason);
    const again = (params: LooseParams) =>
      new Promise<LooseResult>((resolve, reject) => {
        this.retry = { settle: (outcome) => (outcome.ok ? resolve(outcome.result) : reject(outcome.error)) };
        this.send(params);
      });
    bridgeInputRequired(
      first,
      { server: this.host.id, label: this.options.label },
      (request) => this.host.askClient(request, this.options, asking.signal, this.limits.maxTotalMs),
      (extra) => again({ ...this.params, ...extra }),
    ).then(
      (result) => this.finish({ ok: true, result }),
      (error: unknown) => this.finish({ ok: false, error }),
    );
  }

  private finish(outcome: DirectOutcome): void {
    const { host, options } = this;
    this.stop();
    options.signal?.removeEventListener('abort', this);
    host.progress.close(this.token);
    if (this.laneId !== undefined) host.lanes.delete(this.laneId);
    this.done(outcome.ok ? outcome : { ok: false, error: host.failure(outcome.error, this.client, this, options) });
  }
}
