import type { Logger } from '@mcp-switchboard/plugin-api';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { errorMessage } from '../util/rpc-error.js';
import { LooseResultSchema, isRecord } from '../util/schemas.js';
import type { LinkClient } from './link-client.js';

/** The notifications a `subscriptions/listen` stream opts in to (spec: SubscriptionFilter). */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** The list changes a server's capabilities say it announces. */
export function listChangesOffered(capabilities: Record<string, unknown>): ListenFilter {
  const listChanged = (kind: string) => {
    const cap = capabilities[kind];
    return isRecord(cap) && cap.listChanged === true;
  };
  return {
    ...(listChanged('tools') ? { toolsListChanged: true } : {}),
    ...(listChanged('prompts') ? { promptsListChanged: true } : {}),
    ...(listChanged('resources') ? { resourcesListChanged: true } : {}),
  };
}

/** Whether the server takes resource subscriptions (on a listen stream, in this era). */
export function offersResourceSubscriptions(capabilities: Record<string, unknown>): boolean {
  const resources = capabilities.resources;
  return isRecord(resources) && resources.subscribe === true;
}

/**
 * The one `subscriptions/listen` request the hub keeps open on a 2026-era link: the server's list changes, and
 * updates of the resources clients subscribed to. It replaces the GET stream and resources/subscribe. A change of
 * the subscribed URIs replaces the stream (the old one is cancelled). The notifications arrive on the link like
 * any other and are routed by the link's notification handlers.
 */
export class ListenStream {
  private current: AbortController | undefined;
  private closed = false;

  constructor(
    private readonly client: LinkClient,
    private readonly lists: ListenFilter,
    private readonly subscriptions: boolean,
    private readonly logger: Logger,
    private readonly id: string,
  ) {}

  /** Whether there is anything to listen for with these URIs. */
  private wanted(uris: readonly string[]): boolean {
    return Object.keys(this.lists).length > 0 || (this.subscriptions && uris.length > 0);
  }

  /** Opens (or replaces) the stream for the lists and these resource URIs. */
  listen(uris: readonly string[]): void {
    if (this.closed) return;
    this.current?.abort(new Error('subscriptions changed'));
    this.current = undefined;
    if (!this.wanted(uris)) return;
    const abort = new AbortController();
    this.current = abort;
    const notifications: ListenFilter = { ...this.lists, ...(this.subscriptions && uris.length ? { resourceSubscriptions: [...uris] } : {}) };
    this.client
      .request({ method: 'subscriptions/listen', params: { notifications } }, LooseResultSchema, { signal: abort.signal, timeout: MAX_TIMEOUT_MS })
      .then(
        () => this.logger.debug(`server "${this.id}" ended its subscriptions/listen stream`, { server: this.id }),
        (error: unknown) => {
          if (abort.signal.aborted || this.closed) return;
          this.logger.warn(`server "${this.id}": subscriptions/listen failed; list changes and resource updates will not arrive`, {
            server: this.id,
            error: errorMessage(error),
          });
        },
      );
  }

  close(): void {
    this.closed = true;
    this.current?.abort(new Error('link closed'));
    this.current = undefined;
  }
}
