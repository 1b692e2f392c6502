import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal values give equal strings whatever the key order
 * (to tell a changed definition from an unchanged one). Keys whose value is `undefined` are left out, as
 * `JSON.stringify` does; `undefined` itself gives `null`.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  return value;
}

/**
 * A short, stable hex hash (sha256) of a text, or of several parts (joined with a NUL, so `['a', 'bc']` and
 * `['ab', 'c']` differ). `length` hex digits, 8 by default.
 */
export function shortHash(input: string | readonly string[], length = 8): string {
  const text = typeof input === 'string' ? input : input.join('\u0000');
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
