import { pathToFileURL } from 'node:url';
import { isSwitchboardPlugin } from '@mcp-switchboard/plugin-api';

/** Imports a plugin module by absolute path. */
export async function importPluginModule(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/**
 * The plugins a module exports: `export default plugin`, `export default [a, b]` (a package may ship several),
 * or `export const plugin`. CommonJS `module.exports = plugin` / `{ plugin }` arrive as `default`.
 * Returns undefined when the module exports nothing that looks like a plugin.
 */
export function pluginsFromModule(mod: Record<string, unknown>): unknown[] | undefined {
  const candidates = [
    mod.default,
    mod.plugin,
    (mod.default as Record<string, unknown> | undefined)?.default,
    (mod.default as Record<string, unknown> | undefined)?.plugin,
  ];
  for (const candidate of candidates) {
    if (Array.isArray(candidate) && candidate.length > 0) return candidate;
    if (isSwitchboardPlugin(candidate)) return [candidate];
  }
  return undefined;
}
