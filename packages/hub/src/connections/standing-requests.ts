import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';

/** A request to send again on every new link. */
export interface StandingRequest {
  method: string;
  params: Record<string, unknown>;
}

/**
 * What clients asked of a server that must hold on every link to it: the last log level set, and the resource
 * subscriptions (counted per URI over the sessions that hold them). They are re-applied after every new link
 * (start, restart, wake) and carried over to the connection that replaces this one on a config reload.
 */
export class StandingRequests {
  private level: string | undefined;
  private readonly subscriptions = new Map<string, number>();

  get logLevel(): string | undefined {
    return this.level;
  }

  setLogLevel(level: string): void {
    this.level = level;
  }

  /** Counts one more holder of `uri`; true for the first one (the server must be told). */
  retain(uri: string): boolean {
    const count = this.subscriptions.get(uri) ?? 0;
    this.subscriptions.set(uri, count + 1);
    return count === 0;
  }

  /** Counts one holder less; true when that was the last one (the server must be told). */
  release(uri: string): boolean {
    if (!this.subscriptions.has(uri)) return false;
    const left = (this.subscriptions.get(uri) ?? 1) - 1;
    if (left <= 0) this.subscriptions.delete(uri);
    else this.subscriptions.set(uri, left);
    return left <= 0;
  }

  /** The URIs subscribed to (a 2026-era server gets them on its listen stream). */
  get uris(): string[] {
    return [...this.subscriptions.keys()];
  }

  has(uri: string): boolean {
    return this.subscriptions.has(uri);
  }

  /** True while a subscription is held: a standing use of the server (it is not stopped for being idle). */
  get inUse(): boolean {
    return this.subscriptions.size > 0;
  }

  clear(): void {
    this.subscriptions.clear();
  }

  /** Takes over what `previous` holds (the connection this one replaces on a config reload). */
  carryOver(previous: StandingRequests): void {
    if (previous.level !== undefined) this.level = previous.level;
    for (const [uri, count] of previous.subscriptions) this.subscriptions.set(uri, (this.subscriptions.get(uri) ?? 0) + count);
  }

  /** What to send on a new link to a server with these capabilities. */
  toApply(caps: ServerCapabilities | undefined): StandingRequest[] {
    const requests: StandingRequest[] = [];
    if (this.level !== undefined && caps?.logging) requests.push({ method: 'logging/setLevel', params: { level: this.level } });
    if (caps?.resources?.subscribe) for (const uri of this.subscriptions.keys()) requests.push({ method: 'resources/subscribe', params: { uri } });
    return requests;
  }
}
