import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue, RPC_SERVER_ERROR, sendRpcError } from './http-replies.js';
import { refuseTooLarge } from './json-body.js';
import type { HttpSettings } from './options.js';
import { BearerAuth, hostHeaderAllowed, isLoopbackAddress, originAllowed } from './security.js';

const CORS_ALLOW_HEADERS = 'Content-Type, Authorization, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
const CORS_EXPOSE_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';

/** What an auth check says about a request's credentials. */
export type AuthVerdict =
  | {
      kind: 'accepted';
      /** The only profile these credentials may use (an OAuth token's scope or claim chose it). */
      profile?: string | undefined;
    }
  | {
      kind: 'refused';
      /** For the body: `Unauthorized: <reason>` (or `Forbidden: <reason>` with status 403). */
      reason: string;
      /** The `WWW-Authenticate` challenge to send with the 401. */
      challenge: string;
      /** 403 for valid credentials that lack a scope (`insufficient_scope`); 401 otherwise. */
      status?: 401 | 403;
    };

/** The profile the credentials of an admitted request are limited to, if any (see `AuthVerdict`). */
const grantedProfiles = new WeakMap<IncomingMessage, string>();

export function grantedProfile(req: IncomingMessage): string | undefined {
  return grantedProfiles.get(req);
}

/**
 * One way to authenticate a request (the static bearer token today; an OAuth resource-server check later). The gate
 * admits a request when any check accepts it; when all refuse, it answers 401 with the first check's reason and
 * every check's challenge.
 */
export interface AuthCheck {
  readonly name: string;
  check(req: IncomingMessage): AuthVerdict | Promise<AuthVerdict>;
}

/** `Authorization: Bearer <authToken>`, compared in constant time. */
export function bearerTokenCheck(token: string): AuthCheck {
  const auth = new BearerAuth(token);
  return {
    name: 'bearer',
    check(req) {
      const result = auth.check(headerValue(req.headers.authorization));
      if (result === 'ok') return { kind: 'accepted' };
      return result === 'invalid'
        ? { kind: 'refused', reason: 'invalid bearer token', challenge: 'Bearer realm="switchboard", error="invalid_token"' }
        : { kind: 'refused', reason: 'a bearer token is required', challenge: 'Bearer realm="switchboard"' };
    },
  };
}

/** The auth checks the settings ask for, in order. Empty: no authentication. */
export function authChecksFor(settings: Pick<HttpSettings, 'authToken'>): AuthCheck[] {
  return settings.authToken ? [bearerTokenCheck(settings.authToken)] : [];
}

export interface SecurityGateOptions {
  settings: HttpSettings;
  /** The port actually bound (the Origin check compares against it). */
  port: () => number;
  authChecks: readonly AuthCheck[];
}

/**
 * The one step every request passes before any endpoint sees it, in this order:
 * 1. `Host` must name this machine or an allowed host (DNS rebinding; enforced when bound to loopback or when
 *    `allowedHosts` is set) → 403;
 * 2. `Origin`, when present, must be this server's own or an allowed origin → 403; an allowed Origin gets the CORS
 *    headers, and a CORS preflight is answered here (204);
 * 3. the auth checks, unless the request is public (`isPublic`, e.g. plain `/health`) → 401 with `WWW-Authenticate`;
 *    the credentials are then removed from the request, so they never reach an MCP session or a downstream server;
 * 4. a declared `Content-Length` over maxBodyBytes → 413 (a body without a length is counted while it is read,
 *    against the same limit, in json-body.ts).
 *
 * Resolves true when the request may go on; false when the gate has answered it.
 */
export class SecurityGate {
  private readonly enforceHost: boolean;

  constructor(private readonly options: SecurityGateOptions) {
    const { settings } = options;
    this.enforceHost = isLoopbackAddress(settings.host) || settings.allowedHosts.length > 0;
  }

  /** The configured auth checks by name (`bearer`, ...); empty when requests need no credentials. */
  get authNames(): string[] {
    return this.options.authChecks.map((check) => check.name);
  }

  async admit(req: IncomingMessage, res: ServerResponse, isPublic: boolean): Promise<boolean> {
    const { settings } = this.options;
    if (this.enforceHost && !hostHeaderAllowed(req.headers.host, settings.allowedHosts)) {
      sendRpcError(res, 403, RPC_SERVER_ERROR, `Forbidden: Host header "${req.headers.host ?? ''}" is not allowed`);
      return false;
    }
    const origin = headerValue(req.headers.origin);
    if (!originAllowed(origin, { port: this.options.port(), boundHost: settings.host, allowedOrigins: settings.allowedOrigins })) {
      sendRpcError(res, 403, RPC_SERVER_ERROR, `Forbidden: Origin "${origin ?? ''}" is not allowed`);
      return false;
    }
    if (origin !== undefined && answerCors(req, res, origin)) return false;
    if (!isPublic && !(await this.authenticate(req, res))) return false;
    const declared = Number(headerValue(req.headers['content-length']) ?? 0);
    if (declared > settings.maxBodyBytes) {
      await refuseTooLarge(req, res, settings.maxBodyBytes);
      return false;
    }
    return true;
  }

  private async authenticate(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const checks = this.options.authChecks;
    if (checks.length === 0) return true;
    const refusals: Array<Extract<AuthVerdict, { kind: 'refused' }>> = [];
    for (const check of checks) {
      const verdict = await check.check(req);
      if (verdict.kind === 'accepted') {
        // The credentials are ours: they never reach the MCP session (request info), let alone a downstream server.
        stripAuthorization(req);
        if (verdict.profile !== undefined) grantedProfiles.set(req, verdict.profile);
        return true;
      }
      refusals.push(verdict);
    }
    // Valid credentials short of a scope: 403 with that check's challenge (step-up), whatever the others said.
    const forbidden = refusals.find((refusal) => refusal.status === 403);
    if (forbidden) {
      sendRpcError(res, 403, RPC_SERVER_ERROR, `Forbidden: ${forbidden.reason}`, { headers: { 'WWW-Authenticate': forbidden.challenge } });
      return false;
    }
    const challenges = refusals.map((refusal) => refusal.challenge);
    sendRpcError(res, 401, RPC_SERVER_ERROR, `Unauthorized: ${refusals[0]!.reason}`, {
      headers: { 'WWW-Authenticate': challenges.join(', ') },
    });
    return false;
  }
}

/** Sets the CORS headers for an allowed Origin; answers a preflight (returns true when it did). */
function answerCors(req: IncomingMessage, res: ServerResponse, origin: string): boolean {
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  // A CORS preflight carries no credentials; answering it reveals nothing.
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  });
  res.end();
  return true;
}

function stripAuthorization(req: IncomingMessage): void {
  delete req.headers.authorization;
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]!.toLowerCase() === 'authorization') raw.splice(i, 2);
  }
}

/**
 * The loud warning for a front door reachable from other machines without a token; undefined when bound to
 * loopback or protected by a token.
 */
export function exposureWarning(settings: Pick<HttpSettings, 'host' | 'authToken'> & { auth?: unknown }, port: number | undefined): string | undefined {
  if (isLoopbackAddress(settings.host) || settings.authToken || settings.auth) return undefined;
  return (
    `SECURITY WARNING: the HTTP front door listens on ${settings.host}:${port ?? '?'}, reachable from other machines, ` +
    'and no auth token is set: anyone who can reach this port can use every configured MCP server. ' +
    'Set an auth token (--auth-token or SWITCHBOARD_AUTH_TOKEN) or bind to 127.0.0.1.'
  );
}
