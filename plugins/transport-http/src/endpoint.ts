import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, UpstreamHost } from '@mcp-switchboard/plugin-api';
import { headerValue, RPC_SERVER_ERROR, sendRpcError } from './http-replies.js';
import { readJsonBody, type JsonBody } from './json-body.js';
import type { HttpSettings } from './options.js';
import type { SessionRegistry } from './session-registry.js';
import { grantedProfile } from './security-gate.js';

/**
 * One request as the endpoints see it, after the security gate: the parsed URL, its path segments, and the JSON
 * body read at most once (so an endpoint's `matches` may look into the body and the endpoint that then handles the
 * request gets the same value).
 */
export class FrontDoorRequest {
  readonly segments: readonly string[];
  private body: Promise<JsonBody> | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly url: URL,
    private readonly maxBodyBytes: number,
    private readonly onLongLived: () => void,
  ) {
    this.segments = url.pathname.split('/').filter(Boolean);
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  header(name: string): string | undefined {
    return headerValue(this.req.headers[name.toLowerCase()]);
  }

  /** The JSON body (read and parsed once, within maxBodyBytes); `answered` when it was refused (413/415/400). */
  jsonBody(): Promise<JsonBody> {
    this.body ??= readJsonBody(this.req, this.res, this.maxBodyBytes);
    return this.body;
  }

  /**
   * This request opens a stream that lives as long as its session (a GET SSE stream): it is not a request in flight,
   * so a graceful shutdown does not wait for it.
   */
  markLongLived(): void {
    this.onLongLived();
  }
}

/** What the endpoints share: the settings, the host, the session registry, and whether a shutdown has begun. */
export interface FrontDoorServices {
  readonly settings: HttpSettings;
  readonly logger: Logger;
  /** The host given to start(); endpoints only run after start. */
  host(): UpstreamHost;
  readonly sessions: SessionRegistry;
  isStopping(): boolean;
}

/**
 * One family of HTTP endpoints. The front door asks each endpoint in order (after the security gate) whether it
 * `matches` a request; the first that does handles it. A later endpoint never sees a request an earlier one took,
 * so a special case (a per-request protocol era, a well-known document) goes in front of the general one.
 */
export interface HttpEndpoint {
  readonly name: string;
  /** The paths it serves, as shown in the 404 answer for an unknown path (`/mcp`, `/health`). */
  readonly paths: readonly string[];
  /**
   * Requests it answers without credentials (plain `/health`, OAuth metadata). Decided from the URL alone, before
   * authentication; the default is never.
   */
  isPublic?(request: FrontDoorRequest): boolean;
  /**
   * Requests it still answers once the front door is stopping (`/health`, `/ready`: a balancer must watch the replica
   * drain). Decided from the URL alone; the default is never: nothing new starts while draining.
   */
  answersWhileStopping?(request: FrontDoorRequest): boolean;
  /**
   * True when this endpoint answers the request. It may read the body (`request.jsonBody()`, e.g. to choose a protocol
   * era per request), but only once the method and path fit: reading answers 415/413/400 for a body that is not
   * acceptable JSON, and then no endpoint handles the request.
   */
  matches(request: FrontDoorRequest): boolean | Promise<boolean>;
  handle(request: FrontDoorRequest): Promise<void>;
  /** Called once on shutdown, after the sessions are closed: release anything the endpoint still holds. */
  close?(): Promise<void>;
}

/**
 * `/<prefix>` or `/<prefix>/<profile>`: undefined when the path is something else, otherwise the profile
 * (undefined for the bare prefix).
 */
export function profilePath(request: FrontDoorRequest, prefix: string): { profile: string | undefined } | undefined {
  const [first, second, ...rest] = request.segments;
  if (first !== prefix || rest.length > 0) return undefined;
  // Credentials limited to one profile (an OAuth token's scope or claim) get it on the bare prefix too.
  return { profile: second === undefined ? grantedProfile(request.req) : safeDecode(second) };
}

/**
 * True for a known profile (or none) that the request's credentials may use; otherwise answers 403 (the token is
 * limited to another profile) or 404 naming the known profiles.
 */
export function knownProfile(services: FrontDoorServices, profile: string | undefined, request: FrontDoorRequest): boolean {
  const res = request.res;
  const granted = grantedProfile(request.req);
  if (granted !== undefined && profile !== granted) {
    sendRpcError(res, 403, RPC_SERVER_ERROR, `Forbidden: these credentials may use only the profile "${granted}" (/${request.segments[0]}/${granted})`);
    return false;
  }
  if (profile === undefined) return true;
  const known = services.host().profiles();
  if (known.includes(profile)) return true;
  sendRpcError(
    res,
    404,
    RPC_SERVER_ERROR,
    `Not Found: unknown profile "${profile}"; known profiles: ${known.length ? known.join(', ') : 'none (add "profiles" to the config)'}`,
    { data: { profiles: known } },
  );
  return false;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
