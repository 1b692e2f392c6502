import { randomUUID } from 'node:crypto';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import type { InputRequiredHandling, RequestStateWrapper } from '../connections/input-bridge.js';
import type { HubContext } from '../context.js';
import type { RoutedSession } from '../routing/router.js';

/** Logging levels in increasing severity (RFC 5424, as MCP uses them). */
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/**
 * What routing is told a stateless client can take: everything. The downstream's asks do not reach this client
 * directly; they go to the call's bridge (PendingCall), which checks the capabilities the request really declared
 * and answers -32021 itself, so the client learns what it lacks instead of the downstream getting a refusal.
 */
const BRIDGED: ClientCapabilities = { sampling: { tools: {} }, elicitation: { form: {}, url: {} }, roots: {} };

/**
 * The session routing sees for one stateless request: no state survives the request (no subscriptions, nothing
 * listed to remember), only the catalog view it was served from.
 */
export class StatelessSession implements RoutedSession {
  readonly id = `stateless-${randomUUID()}`;
  readonly subscriptions = new Map<string, string>();
  /** Set while this request's call is suspended on `input_required`, waiting for the client's retry. */
  waiting = false;

  constructor(
    private readonly ctx: HubContext,
    readonly view: string,
    public logLevel: string | undefined,
    private readonly states?: RequestStateWrapper,
  ) {}

  /**
   * A 2026-era downstream's `input_required` goes to this client as it is, its `requestState` wrapped (signed,
   * self-contained: the retry may reach another replica); without a wrapper the hub asks on the client's behalf.
   */
  inputRequiredHandling(): InputRequiredHandling {
    return this.states ? { kind: 'pass-through', states: this.states } : { kind: 'bridge' };
  }

  clientCapabilities(): ClientCapabilities {
    return BRIDGED;
  }

  /**
   * Log messages go to a stateless request only if it asked with `_meta["io.modelcontextprotocol/logLevel"]`, and
   * only at that level or above (spec: a server MUST NOT emit them otherwise).
   */
  acceptsLog(level: unknown): boolean {
    if (this.logLevel === undefined) return false;
    const wanted = LOG_LEVELS.indexOf(this.logLevel);
    const got = LOG_LEVELS.indexOf(String(level));
    return wanted >= 0 && got >= wanted;
  }

  waitingOnClient(): boolean {
    return this.waiting;
  }

  snapshot(): CatalogSnapshot {
    return this.ctx.view(this.view);
  }

  noteListed(): void {
    // Nothing to remember: a stateless client gets no list_changed from a session.
  }
}
