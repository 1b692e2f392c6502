import { isSwitchboardPlugin } from '@mcp-switchboard/plugin-api';

function isMergeable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !isSwitchboardPlugin(value);
}

/**
 * Merges `top` over `base`: objects merge key by key, anything else (arrays included) is replaced.
 * `undefined` in `top` means "not given" and keeps the base value.
 */
export function deepMerge(base: unknown, top: unknown): unknown {
  if (top === undefined) return base;
  // An override with nothing in it changes nothing (and must not hide a broken file value from validation).
  if (isMergeable(top) && Object.values(top).every((value) => value === undefined)) return base;
  if (!isMergeable(base) || !isMergeable(top)) return top;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) out[key] = deepMerge(base[key], value);
  return out;
}
