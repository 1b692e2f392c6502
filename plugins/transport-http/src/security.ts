import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase();
  if (LOOPBACK_NAMES.has(h)) return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** `host[:port]` of a Host header, IPv6 kept in brackets: `[::1]:8080` → `{ hostname: '[::1]', port: '8080' }`. */
export function splitHostHeader(value: string): { hostname: string; port: string | undefined } {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return { hostname: v, port: undefined };
    const rest = v.slice(end + 1);
    return { hostname: v.slice(0, end + 1), port: rest.startsWith(':') ? rest.slice(1) : undefined };
  }
  const colon = v.lastIndexOf(':');
  if (colon > 0 && v.indexOf(':') === colon) return { hostname: v.slice(0, colon), port: v.slice(colon + 1) };
  return { hostname: v, port: undefined };
}

/**
 * DNS-rebinding protection: the Host header must name this machine (localhost, 127.0.0.1, [::1], with or without
 * a port) or be one of `allowedHosts` (matched as written, with or without its port).
 */
export function hostHeaderAllowed(hostHeader: string | undefined, allowedHosts: readonly string[]): boolean {
  if (!hostHeader) return false;
  const full = hostHeader.trim().toLowerCase();
  const { hostname, port } = splitHostHeader(full);
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false;
  if (hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]') return true;
  return allowedHosts.includes(full) || allowedHosts.includes(hostname);
}

export interface OriginPolicy {
  /** The port the server actually listens on. */
  port: number;
  /** The address it is bound to. */
  boundHost: string;
  /** Extra allowed origins, normalised (lower case, no trailing slash). */
  allowedOrigins: readonly string[];
}

/**
 * `Origin` check (the MCP spec requires it): a request without Origin (a non-browser client) passes; a browser
 * request passes only from this server's own origin (http://127.0.0.1:<port>, http://localhost:<port>,
 * http://[::1]:<port>, or http://<bound host>:<port>) or from `allowedOrigins`.
 */
export function originAllowed(origin: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined) return true;
  const value = origin.trim().toLowerCase().replace(/\/$/, '');
  if (policy.allowedOrigins.includes(value)) return true;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.origin !== value || url.protocol !== 'http:') return false;
  const port = url.port || '80';
  if (port !== String(policy.port)) return false;
  if (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]') return true;
  const bound = policy.boundHost.toLowerCase();
  const boundName = isIP(bound) === 6 ? `[${bound}]` : bound;
  return !isWildcardAddress(bound) && url.hostname === boundName;
}

/** 0.0.0.0 / :: : every interface. */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export type AuthResult = 'ok' | 'missing' | 'invalid';

/**
 * Bearer-token check in constant time: both sides are hashed to 32 bytes first, so timingSafeEqual always
 * compares equal-length buffers and the token's length does not leak either.
 */
export class BearerAuth {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  check(authorization: string | undefined): AuthResult {
    if (!authorization) return 'missing';
    const match = /^\s*bearer\s+(.+?)\s*$/i.exec(authorization);
    if (!match) return 'invalid';
    return timingSafeEqual(digest(match[1]!), this.expected) ? 'ok' : 'invalid';
  }
}

/** Header values never reach a log line: `{ Authorization: '****' }`. */
export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.keys(headers ?? {}).map((name) => [name, '****']));
}

/** A URL fit for a log line: no user info, query values hidden. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, '****');
    return url.toString();
  } catch {
    return '<invalid url>';
  }
}
