/** A path into a JSON value, as zod reports it in `issue.path`. */
export type JsonPath = ReadonlyArray<PropertyKey>;

const plainKey = /^[A-Za-z_$][\w$-]*$/;

/**
 * Formats a path the way people write it, so every package names config locations alike:
 * `mcpServers.github.args[1]`, `headers["X-Api-Key"]`, and `(root)` for the empty path.
 */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && plainKey.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}
