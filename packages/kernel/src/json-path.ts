import type { JsonPath } from '@mcp-switchboard/plugin-api';

// The formatter lives in the plugin API so plugins name config paths the same way.
export { formatJsonPath, type JsonPath } from '@mcp-switchboard/plugin-api';

/** True when `path` is `prefix` or lies under it. */
export function isUnderPath(path: JsonPath, prefix: JsonPath): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => String(key) === String(path[i]));
}

/** Reads the value at `path`, or undefined. */
export function valueAtPath(root: unknown, path: JsonPath): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key as string];
  }
  return value;
}
