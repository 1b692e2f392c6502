import { resolve } from 'node:path';
import { SwitchboardError, errorMessage, isSwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import { throwCollected } from '../collect-errors.js';
import { candidatePackageNames, isPathSpecifier } from './expand-name.js';
import { importPluginModule, pluginsFromModule } from './load-module.js';
import { resolvePackage, resolvePathEntry } from './resolve-package.js';
import type { ResolvedPlugin, ResolvePluginsOptions } from './types.js';
import { validatePlugin, type GivenOptions } from './validate-plugin.js';

/** One entry to resolve, with a label for messages (e.g. `plugins[2] in /x/switchboard.config.json`). */
export interface LabelledEntry {
  entry: unknown;
  where: string;
}

type Located = { file: string; source: string } | { error: SwitchboardError };

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Finds the file behind a plugin name: a path near the config, else a package (app deps, config dir, cwd). */
async function locate(spec: string, where: string, options: ResolvePluginsOptions): Promise<Located> {
  const details = { specifier: spec, where };
  if (isPathSpecifier(spec)) {
    const absolute = resolve(options.configDir, spec);
    const file = await resolvePathEntry(absolute);
    if (file) return { file, source: spec };
    return {
      error: new SwitchboardError(
        'SWB_PLUGIN_NOT_FOUND',
        `plugin "${spec}" (${where}): no file at ${absolute} (paths are relative to the config file's folder)`,
        {
          details,
          fix: `Check the path; it is resolved from ${options.configDir}.`,
        },
      ),
    };
  }
  const names = candidatePackageNames(spec);
  const bases = unique([...(options.resolveFrom ?? []), options.configDir, options.cwd].map((dir) => resolve(dir)));
  for (const name of names) {
    for (const base of bases) {
      const found = await resolvePackage(name, base);
      if (found.status === 'found') return { file: found.file, source: `package ${name} (${found.file})` };
      if (found.status === 'not-exported' || found.status === 'no-entry') {
        const why = found.status === 'not-exported' ? `does not export "${found.subpath}" for import` : 'has no entry file';
        return { error: new SwitchboardError('SWB_PLUGIN_INVALID', `plugin "${spec}" (${where}): package ${name} at ${found.packageDir} ${why}`, { details }) };
      }
    }
  }
  return {
    error: new SwitchboardError('SWB_PLUGIN_NOT_FOUND', `plugin "${spec}" (${where}) was not found: looked for ${names.join(', ')} from ${bases.join(', ')}`, {
      details: { ...details, candidates: names, searched: bases },
      fix: `Install it next to your config (npm install ${names.at(-2) ?? names[0]}) or give a path relative to ${options.configDir}.`,
    }),
  };
}

/** Resolves one entry to its plugins (a module may export several), validated with the entry's options. */
async function resolveEntry(
  { entry, where }: LabelledEntry,
  options: ResolvePluginsOptions,
): Promise<{ plugins: ResolvedPlugin[]; errors: SwitchboardError[] }> {
  if (isSwitchboardPlugin(entry) || (entry !== null && typeof entry === 'object' && !Array.isArray(entry))) {
    const { resolved, errors } = validatePlugin(entry, 'config object', { given: false, value: undefined });
    return { plugins: resolved ? [resolved] : [], errors: errors.map((e) => withWhere(e, where)) };
  }
  let spec: string;
  let given: GivenOptions = { given: false, value: undefined };
  if (typeof entry === 'string' && entry) spec = entry;
  else if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && entry[0] && entry[1] !== null && typeof entry[1] === 'object') {
    spec = entry[0];
    given = { given: true, value: entry[1] };
  } else {
    const error = new SwitchboardError('SWB_PLUGIN_INVALID', `${where}: expected a plugin name, ["plugin-name", { ...options }] or a plugin object`, {
      details: { where },
    });
    return { plugins: [], errors: [error] };
  }

  const located = await locate(spec, where, options);
  if ('error' in located) return { plugins: [], errors: [located.error] };
  let exported: unknown[] | undefined;
  try {
    exported = pluginsFromModule(await importPluginModule(located.file));
  } catch (cause) {
    const reason = errorMessage(cause);
    // The module itself failed (a throw at import, a package it imports that is not installed): not a shape problem.
    const fix = /Cannot find (package|module)/.test(reason)
      ? `The plugin imports a package that is not installed: run \`npm install\` in the plugin's folder (or install that package next to ${located.file}).`
      : `The plugin's module threw while it was imported (the cause says where): fix it or report it to its author; ${located.file}.`;
    return {
      plugins: [],
      errors: [
        new SwitchboardError('SWB_PLUGIN_INVALID', `plugin "${spec}" (${located.source}) could not be loaded: ${reason}`, { cause, fix, details: { where } }),
      ],
    };
  }
  if (!exported) {
    return {
      plugins: [],
      errors: [
        new SwitchboardError('SWB_PLUGIN_INVALID', `plugin "${spec}" (${located.source}) does not export a plugin (default export or \`plugin\`)`, {
          details: { where },
        }),
      ],
    };
  }
  // A package of several plugins: options go to the plugins that declare a schema.
  const withSchema = exported.filter((p) => isSwitchboardPlugin(p) && p.options !== undefined);
  const recipients = exported.length === 1 ? exported : withSchema.length > 0 ? withSchema : exported.slice(0, 1);
  const results = exported.map((candidate) =>
    validatePlugin(candidate, located.source, recipients.includes(candidate) ? given : { given: false, value: undefined }),
  );
  return { plugins: results.flatMap((r) => (r.resolved ? [{ ...r.resolved, file: located.file }] : [])), errors: results.flatMap((r) => r.errors) };
}

/** Adds where an inline plugin object was listed, which its own message cannot know. */
function withWhere(error: SwitchboardError, where: string): SwitchboardError {
  return new SwitchboardError(error.code, `${error.message} [${where}]`, { fix: error.fix, details: { ...error.details, where } });
}

/** Resolves entries in order; problems are returned, not thrown, so the caller can report everything at once. */
export async function resolvePluginEntries(
  entries: readonly LabelledEntry[],
  options: ResolvePluginsOptions,
): Promise<{ plugins: ResolvedPlugin[]; errors: SwitchboardError[] }> {
  const results = await Promise.all(entries.map((entry) => resolveEntry(entry, options)));
  return { plugins: results.flatMap((r) => r.plugins), errors: results.flatMap((r) => r.errors) };
}

/** Duplicate ids within one list of plugins. */
export function findDuplicates(plugins: readonly ResolvedPlugin[]): SwitchboardError[] {
  const seen = new Map<string, ResolvedPlugin>();
  const errors: SwitchboardError[] = [];
  for (const item of plugins) {
    const first = seen.get(item.plugin.id);
    if (first) {
      errors.push(
        new SwitchboardError('SWB_PLUGIN_DUPLICATE', `plugin id "${item.plugin.id}" is listed twice: ${first.source} and ${item.source}`, {
          details: { plugin: item.plugin.id },
        }),
      );
    } else seen.set(item.plugin.id, item);
  }
  return errors;
}

/**
 * Resolves `plugins` entries (plugin objects, names, paths, `[name, options]`) to validated plugins. Every
 * problem across all entries is thrown together (one SwitchboardAggregateError when several).
 */
export async function resolvePlugins(entries: readonly unknown[], options: ResolvePluginsOptions): Promise<ResolvedPlugin[]> {
  const where = options.configFile ?? options.configDir;
  const { plugins, errors } = await resolvePluginEntries(
    entries.map((entry, index) => ({ entry, where: `plugins[${index}] in ${where}` })),
    options,
  );
  errors.push(...findDuplicates(plugins));
  throwCollected(errors, (count) => `${count} problems with the plugins in ${where}`);
  return plugins;
}
