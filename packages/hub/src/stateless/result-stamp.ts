import { MetaKey } from '@mcp-switchboard/plugin-api';
import { isRecord, type LooseResult } from '../util/schemas.js';

/** Who may cache a result (SEP-2549): anyone, or only the same caller. */
export type CacheScope = 'public' | 'private';

/** Caching hints of one cacheable result. */
export interface CacheHint {
  ttlMs: number;
  cacheScope: CacheScope;
}

/**
 * How long a list or read stays fresh. Zero until `subscriptions/listen` can tell a client that a list changed:
 * a positive hint without invalidation would let clients serve a stale catalog after a server restarts.
 */
export const FRESHNESS_MS = 0;

/** Methods whose results carry `ttlMs` and `cacheScope` (spec: server/utilities/caching). */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/**
 * A result as the stateless era wants it: `resultType` (a 2025-era downstream never sets it), our `serverInfo` in
 * `_meta` (the downstream's own identity is not ours to pass on), and caching hints where the method has them.
 */
export function stampResult(result: LooseResult, serverInfo: { name: string; version: string }, cache?: CacheHint): LooseResult {
  const meta = isRecord(result._meta) ? result._meta : {};
  return {
    ...result,
    resultType: typeof result.resultType === 'string' ? result.resultType : 'complete',
    ...(cache ? { ttlMs: cache.ttlMs, cacheScope: cache.cacheScope } : {}),
    _meta: { ...meta, [MetaKey.serverInfo]: serverInfo },
  };
}
