import { randomUUID } from 'node:crypto';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import type { HubContext } from '../context.js';
import type { RoutedSession } from '../routing/router.js';

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
  ) {}

  clientCapabilities(): ClientCapabilities {
    return BRIDGED;
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
