import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import { frontDoorOAuthSchema, type FrontDoorOAuth } from './oauth/front-door-auth-options.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 12006;
export const DEFAULT_SESSION_IDLE_TTL_MS = 30 * 60_000;
export const DEFAULT_MAX_SESSIONS = 1000;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
export const DEFAULT_DRAIN_DELAY_MS = 0;

/** `scheme://host[:port]` with nothing after it: what a browser sends in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '').toLowerCase();
  } catch {
    return false;
  }
}

/**
 * The `http` block of the config and the plugin's own options (`["transport-http", { ... }]`). Every key is
 * optional and has no default here, so plugin options can override single keys of the config block; the
 * defaults are applied by {@link resolveHttpSettings}.
 */
export const httpOptionsSchema = z
  .object({
    /** One transport and one host session per request; no `Mcp-Session-Id`. */
    stateless: z.boolean().optional(),
    /** Require `Authorization: Bearer <authToken>` on every request. */
    authToken: z.string().min(1, 'authToken must not be empty').optional(),
    /** Browser origins allowed besides the server's own (`https://app.example.com`). */
    allowedOrigins: z.array(z.string().refine(isOrigin, 'must be an origin such as https://app.example.com (scheme, host, optional port, no path)')).optional(),
    /** A session without requests for this long is closed. */
    sessionIdleTtlMs: z.number().int().min(1000).optional(),
    /** Most concurrent sessions; at the limit the oldest idle session is closed to make room. */
    maxSessions: z.number().int().min(1).optional(),
    /** Largest request body accepted, in bytes (413 above it). */
    maxBodyBytes: z.number().int().min(1024).optional(),
    /** Answer `GET /health` without the bearer token. */
    healthWithoutAuth: z.boolean().optional(),
    /** On stop, how long requests in flight may take to finish. */
    shutdownGraceMs: z.number().int().min(0).optional(),
    /**
     * On stop, how long to keep listening with `/ready` answering 503 before the listener closes, so a load
     * balancer sees the replica leave before its connections are refused. Sessions it holds are still served.
     */
    drainDelayMs: z.number().int().min(0).optional(),
    /** Extra `Host` header values accepted (DNS-rebinding protection), e.g. `mcp.internal:12006`. */
    allowedHosts: z.array(z.string().min(1)).optional(),
    /** OAuth 2.1 resource server: bearer JWTs from this issuer (docs/auth.md). `authToken` keeps working beside it. */
    auth: frontDoorOAuthSchema.optional(),
  })
  .strict();

export type HttpOptions = z.output<typeof httpOptionsSchema>;

/** Everything the front door needs, defaults applied. */
export interface HttpSettings {
  host: string;
  port: number;
  stateless: boolean;
  authToken: string | undefined;
  allowedOrigins: string[];
  allowedHosts: string[];
  sessionIdleTtlMs: number;
  maxSessions: number;
  maxBodyBytes: number;
  healthWithoutAuth: boolean;
  shutdownGraceMs: number;
  drainDelayMs: number;
  /** The OAuth resource-server settings (`http.auth`), if the front door is one. */
  auth?: FrontDoorOAuth | undefined;
}

/** `path.to.key: message` for every issue, with a prefix (`http`) in front of the path. */
export function formatIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
}

/**
 * Validates the config's `http` block. Throws SWB_CONFIG_INVALID naming every bad key as `http.<path>` and
 * the config file.
 */
export function parseHttpBlock(block: unknown, configFile?: string): HttpOptions {
  if (block === undefined || block === null) return {};
  const result = httpOptionsSchema.safeParse(block);
  if (result.success) return result.data;
  const where = configFile ? ` in ${configFile}` : '';
  throw new SwitchboardError('SWB_CONFIG_INVALID', `invalid "http" settings${where}:\n${formatIssues(result.error, 'http').join('\n')}`, {
    details: { issues: formatIssues(result.error, 'http') },
  });
}

/** Merges config values (`host`, `port`, `http`) with the plugin's own options (which win) and applies defaults. */
export function resolveHttpSettings(input: { host?: string | undefined; port?: number | undefined; http?: HttpOptions; options?: HttpOptions }): HttpSettings {
  const merged: HttpOptions = { ...(input.http ?? {}), ...definedOnly(input.options ?? {}) };
  return {
    host: input.host || DEFAULT_HOST,
    port: input.port ?? DEFAULT_PORT,
    stateless: merged.stateless ?? false,
    authToken: merged.authToken,
    allowedOrigins: (merged.allowedOrigins ?? []).map((origin) => origin.replace(/\/$/, '').toLowerCase()),
    allowedHosts: (merged.allowedHosts ?? []).map((host) => host.toLowerCase()),
    sessionIdleTtlMs: merged.sessionIdleTtlMs ?? DEFAULT_SESSION_IDLE_TTL_MS,
    maxSessions: merged.maxSessions ?? DEFAULT_MAX_SESSIONS,
    maxBodyBytes: merged.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    healthWithoutAuth: merged.healthWithoutAuth ?? true,
    shutdownGraceMs: merged.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
    drainDelayMs: merged.drainDelayMs ?? DEFAULT_DRAIN_DELAY_MS,
    ...(merged.auth ? { auth: merged.auth } : {}),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
