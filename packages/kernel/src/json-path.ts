/** A path into a JSON value, as zod reports it. */
export type JsonPath = ReadonlyArray<PropertyKey>;

const plainKey = /^[A-Za-z_$][\w$-]*$/;

/** Formats a path the way people write it: `mcpServers.github.args[1]`, `(root)` for the empty path. */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && plainKey.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

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
