import { SwitchboardError, isSwitchboardPlugin, pluginKinds, type SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import { explainIssue } from '../config/format-issues.js';
import { formatJsonPath } from '../json-path.js';
import { checkApiVersion } from './check-api-version.js';
import type { ResolvedPlugin } from './types.js';

export interface GivenOptions {
  /** True when the entry was `[name, options]`. */
  given: boolean;
  value: unknown;
}

type SafeParse = (value: unknown, params?: { jitless?: boolean }) => { success: true; data: unknown } | { success: false; error: { issues: unknown[] } };

function isToken(value: unknown): boolean {
  return !!value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string';
}

/**
 * Checks one plugin object: shape, kind, apiVersion, enforce, deps and options. Every problem is returned (not
 * just the first) and each message names the plugin and where it came from.
 */
export function validatePlugin(candidate: unknown, source: string, options: GivenOptions): { resolved?: ResolvedPlugin; errors: SwitchboardError[] } {
  if (!isSwitchboardPlugin(candidate)) {
    return {
      errors: [
        new SwitchboardError('SWB_PLUGIN_INVALID', `${source} is not a plugin: it needs a string "id", a string "kind" and a "setup" function`, {
          details: { source },
        }),
      ],
    };
  }
  const plugin = candidate as SwitchboardPlugin;
  const name = `plugin "${plugin.id}" (${source})`;
  const details = { plugin: plugin.id, source };
  const errors: SwitchboardError[] = [];
  const invalid = (message: string, fix?: string) =>
    errors.push(new SwitchboardError('SWB_PLUGIN_INVALID', `${name} ${message}`, { details, ...(fix ? { fix } : {}) }));

  if (!pluginKinds.includes(plugin.kind)) invalid(`has unknown kind "${String(plugin.kind)}"; kinds are ${pluginKinds.join(', ')}`);
  const version = checkApiVersion(plugin.apiVersion);
  if (!version.ok) {
    const code = version.invalid ? 'SWB_PLUGIN_INVALID' : 'SWB_PLUGIN_API_VERSION';
    // The fix goes on its own line (formatError prints it), not into the message as well.
    errors.push(new SwitchboardError(code, `${name} ${version.reason}`, { details, fix: version.fix }));
  }
  if (plugin.enforce !== undefined && plugin.enforce !== 'pre' && plugin.enforce !== 'post')
    invalid(`has enforce ${JSON.stringify(plugin.enforce)}; use "pre", "post" or leave it out`);
  const deps: unknown = plugin.deps;
  if (deps !== undefined && (deps === null || typeof deps !== 'object' || !Object.values(deps).every(isToken))) {
    invalid('has "deps" that are not a record of tokens (use coreServices.* or createToken())');
  }
  const provides: unknown = (plugin as { provides?: unknown }).provides;
  if (provides !== undefined && (provides === null || typeof provides !== 'object' || !Object.values(provides).every(isToken))) {
    invalid('has "provides" that is not a record of tokens (use createToken())');
  }

  const schema = plugin.options as { safeParse?: SafeParse } | undefined;
  let parsedOptions: unknown;
  if (schema !== undefined && typeof schema?.safeParse !== 'function') {
    invalid('has "options" that is not a zod schema');
  } else if (!schema) {
    if (options.given) {
      errors.push(
        new SwitchboardError('SWB_PLUGIN_OPTIONS', `${name} takes no options, but options were given; list it as "${plugin.id}" without options`, { details }),
      );
    }
  } else {
    // Given nothing, try `undefined` first (optional schemas), then `{}` so object schemas apply their defaults.
    // Parsed once: a zod 4 schema's compiled fast path (a `new Function` per object schema) would cost more than it saves.
    const params = '_zod' in schema ? { jitless: true } : undefined;
    let result = schema.safeParse!(options.value, params);
    if (!result.success && !options.given) result = schema.safeParse!({}, params);
    if (result.success) parsedOptions = result.data;
    else {
      for (const issue of result.error.issues as Parameters<typeof explainIssue>[0][]) {
        const at = issue.path.length ? `option "${formatJsonPath(issue.path)}"` : 'options';
        errors.push(
          new SwitchboardError('SWB_PLUGIN_OPTIONS', `${name}: ${at}: ${explainIssue(issue, options.value)}`, {
            details: { ...details, path: [...issue.path] },
          }),
        );
      }
    }
  }
  return errors.length ? { errors } : { resolved: { plugin, options: parsedOptions, source }, errors };
}
