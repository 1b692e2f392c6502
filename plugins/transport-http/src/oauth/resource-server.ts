import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { profileRuleSchema } from './front-door-auth-options.js';

export { profileRuleSchema };

/** `http.auth`: the front door as an OAuth 2.1 resource server. */
export const resourceServerOptionsSchema = z
  .object({
    /** The authorization server's issuer identifier (its metadata gives the JWKS). */
    issuer: z.string().url(),
    /** Our resource URL, e.g. `https://switchboard.example.com/mcp`: tokens must name it in `aud`. */
    audience: z.string().url(),
    /** Scopes every token must carry. */
    requiredScopes: z.array(z.string().min(1)).default([]),
    /** The JWKS URL, when the issuer publishes no metadata. */
    jwksUri: z.string().url().optional(),
    /** Accepted signing algorithms (default: the asymmetric ones jose supports). */
    algorithms: z.array(z.string()).optional(),
    /** Allowed clock difference, in seconds. */
    clockToleranceSec: z.number().int().min(0).max(300).default(5),
    /** Which profile a token sees, by scope or claim; first match wins. No match: the default profile. */
    profiles: z.array(profileRuleSchema).default([]),
    /** Scopes listed in the protected-resource metadata (default: `requiredScopes`). */
    scopesSupported: z.array(z.string()).optional(),
  })
  .strict();

export type ResourceServerOptions = z.input<typeof resourceServerOptionsSchema>;
type Settings = z.output<typeof resourceServerOptionsSchema>;

export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** What a request's bearer token amounts to. */
export type TokenVerdict =
  | { kind: 'accepted'; subject: string | undefined; scopes: string[]; profile: string | undefined; claims: JWTPayload }
  | { kind: 'rejected'; status: 401 | 403; error: BearerError | undefined; description: string };

export interface JwtResourceServerDeps {
  /** The key set (tests pass a local one); default: the issuer's JWKS, fetched and cached by jose. */
  keys?: JWTVerifyGetKey;
  fetchFn?: typeof fetch;
  /** The time used for `exp`/`nbf` checks; default now. */
  now?: () => Date;
}

const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(/\s+/).filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

/** `"`-quoted for a `WWW-Authenticate` parameter: quotes and backslashes escaped, no line breaks. */
function quote(value: string): string {
  return `"${value.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The RFC 9728 metadata URL of a resource: `/.well-known/oauth-protected-resource` inserted before the
 * resource's path (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/**
 * Validates bearer JWTs for the front door: signature against the issuer's JWKS, `iss`, `aud` (our resource
 * URL), `exp`/`nbf`, the required scopes, and picks the profile the token may see. Standalone: it knows
 * nothing about HTTP servers; the front door asks it for a verdict, the challenge header and the metadata.
 */
export class JwtResourceServer {
  readonly settings: Settings;
  private keys: JWTVerifyGetKey | undefined;
  private keysLoading: Promise<JWTVerifyGetKey> | undefined;

  constructor(
    options: ResourceServerOptions,
    private readonly deps: JwtResourceServerDeps = {},
  ) {
    this.settings = resourceServerOptionsSchema.parse(options);
    this.keys = deps.keys;
  }

  /** Where clients find our metadata (what the 401 challenge points to). */
  get metadataUrl(): string {
    return protectedResourceMetadataUrl(this.settings.audience);
  }

  /** The RFC 9728 protected-resource metadata document. */
  metadata(): Record<string, unknown> {
    const scopes = this.settings.scopesSupported ?? this.settings.requiredScopes;
    return {
      resource: this.settings.audience,
      authorization_servers: [this.settings.issuer],
      bearer_methods_supported: ['header'],
      ...(scopes.length ? { scopes_supported: scopes } : {}),
      resource_name: 'Switchboard',
    };
  }

  /** The `WWW-Authenticate` value for a refusal (RFC 6750 §3, RFC 9728 §5.1). */
  challenge(verdict: Extract<TokenVerdict, { kind: 'rejected' }>): string {
    const params = [`resource_metadata=${quote(this.metadataUrl)}`];
    if (verdict.error) {
      params.unshift(`error=${quote(verdict.error)}`, `error_description=${quote(verdict.description)}`);
    }
    if (verdict.error === 'insufficient_scope' || verdict.error === undefined) {
      if (this.settings.requiredScopes.length) params.push(`scope=${quote(this.settings.requiredScopes.join(' '))}`);
    }
    return `Bearer ${params.join(', ')}`;
  }

  /** Judges an `Authorization` header value. Never throws. */
  async verify(authorization: string | undefined): Promise<TokenVerdict> {
    if (!authorization) return { kind: 'rejected', status: 401, error: undefined, description: 'a bearer token is required' };
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization);
    if (!match) return { kind: 'rejected', status: 401, error: 'invalid_request', description: 'the Authorization header is not a bearer token' };
    let payload: JWTPayload;
    try {
      const keys = await this.keySet();
      const result = await jwtVerify(match[1]!, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.settings.algorithms ?? DEFAULT_ALGORITHMS,
        clockTolerance: this.settings.clockToleranceSec,
        requiredClaims: ['exp'],
        ...(this.deps.now ? { currentDate: this.deps.now() } : {}),
      });
      payload = result.payload;
    } catch (error) {
      return { kind: 'rejected', status: 401, error: 'invalid_token', description: describe(error) };
    }
    const scopes = scopesOf(payload);
    const missing = this.settings.requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length) {
      return { kind: 'rejected', status: 403, error: 'insufficient_scope', description: `the token lacks the scope ${missing.join(' ')}` };
    }
    return { kind: 'accepted', subject: payload.sub, scopes, profile: this.profileFor(payload, scopes), claims: payload };
  }

  private profileFor(payload: JWTPayload, scopes: string[]): string | undefined {
    for (const rule of this.settings.profiles) {
      if (rule.scope !== undefined && scopes.includes(rule.scope)) return rule.profile;
      if (rule.claim !== undefined) {
        const value = payload[rule.claim];
        const values = Array.isArray(value) ? value : [value];
        if (rule.equals === undefined ? value !== undefined : values.includes(rule.equals)) return rule.profile;
      }
    }
    return undefined;
  }

  private async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    this.keysLoading ??= this.discoverKeys().catch((error: unknown) => {
      this.keysLoading = undefined; // try again on the next request
      throw error;
    });
    this.keys = await this.keysLoading;
    return this.keys;
  }

  /** The JWKS URL from the issuer's RFC 8414 or OpenID metadata, unless configured. */
  private async discoverKeys(): Promise<JWTVerifyGetKey> {
    const fetchFn = this.deps.fetchFn ?? fetch;
    let jwksUri = this.settings.jwksUri;
    if (!jwksUri) {
      const issuer = new URL(this.settings.issuer);
      const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
      const candidates = [
        `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
        `${issuer.origin}/.well-known/openid-configuration${path}`,
        `${issuer.origin}${path}/.well-known/openid-configuration`,
      ];
      for (const candidate of candidates) {
        const response = await fetchFn(candidate, { headers: { accept: 'application/json' } }).catch(() => undefined);
        if (!response?.ok) continue;
        const body = (await response.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
        if (body?.issuer === this.settings.issuer && typeof body.jwks_uri === 'string') {
          jwksUri = body.jwks_uri;
          break;
        }
      }
      if (!jwksUri) throw new Error(`no metadata with a jwks_uri found for the issuer ${this.settings.issuer}`);
    }
    return createRemoteJWKSet(new URL(jwksUri));
  }
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the token is for another audience';
    if (error.claim === 'iss') return 'the token is from another issuer';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's "${error.claim}" claim is not valid`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return "the token's signature does not match the issuer's keys";
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the token's signing algorithm is not accepted";
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'the token is not a valid JWT';
  return 'the token could not be verified';
}
