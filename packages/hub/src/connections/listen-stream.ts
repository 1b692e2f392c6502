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

/** How often a link's listen stream is opened again after the server ended it (a server shutting streams down). */
export const MAX_REOPENS = 3;

/**
 * The one `subscriptions/listen` request the hub keeps open on a 2026-era link: the server's list changes, and
 * updates of the resources clients subscribed to. It replaces the GET stream and resources/subscribe. A change of
 * the subscribed URIs replaces the stream (the old one is cancelled). The notifications arrive on the link like
 * any other and are routed by the link's notification handlers. A stream the server ends (it answers the request)
 * is opened again, a few times per link.
 */
export class ListenStream {
  private current: AbortController | undefined;
  private closed = false;
  /** Graceful ends the server gave this link's stream; each is answered by a new stream, up to MAX_REOPENS. */
  private ends = 0;

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
        () => {
          if (this.closed || this.current !== abort) return;
          this.ends++;
          const again = this.ends <= MAX_REOPENS;
          this.logger.debug(`server "${this.id}" ended its subscriptions/listen stream${again ? '; listening again' : ''}`, { server: this.id });
          if (again) this.listen(uris);
        },
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
