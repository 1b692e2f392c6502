import { isSwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import type { JsonPath } from '../json-path.js';

export interface MissingVariable {
  variable: string;
  path: JsonPath;
}

// `$${` is an escaped literal `${`; `${NAME}` and `${env:NAME}` read the environment.
const pattern = /\$\$\{|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Only JSON-like containers are walked: plugin objects, zod schemas and class instances stay untouched. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !isSwitchboardPlugin(value);
}

/**
 * Replaces `${VAR}` / `${env:VAR}` in every string value, recursively. Missing variables are all collected
 * (and replaced by an empty string) so the caller can report every one at once. `referenced` names every
 * variable used (set or not): their values are treated as secrets in logs.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv): { value: unknown; missing: MissingVariable[]; referenced: string[] } {
  const missing: MissingVariable[] = [];
  const referenced = new Set<string>();
  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      return node.replace(pattern, (match, name: string | undefined) => {
        if (name === undefined) return '${';
        const found = env[name];
        referenced.add(name);
        if (found === undefined) {
          missing.push({ variable: name, path });
          return '';
        }
        return found;
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (isPlainObject(node)) {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return node;
  };
  return { value: walk(value, []), missing, referenced: [...referenced] };
}
