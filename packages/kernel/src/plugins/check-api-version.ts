import { createRequire } from 'node:module';

type Semver = {
  major: typeof import('semver/functions/major.js');
  minor: typeof import('semver/functions/minor.js');
  satisfies: typeof import('semver/functions/satisfies.js');
  valid: typeof import('semver/functions/valid.js');
  validRange: typeof import('semver/ranges/valid.js');
};
let loaded: Semver | undefined;

/**
 * semver, the functions one by one (its index loads all of its ~50 modules), required when a plugin's apiVersion is
 * not the host's own: building its regular expressions costs a few milliseconds of every start otherwise.
 */
function semverFunctions(): Semver {
  return (loaded ??= {
    major: createRequire(import.meta.url)('semver/functions/major.js'),
    minor: createRequire(import.meta.url)('semver/functions/minor.js'),
    satisfies: createRequire(import.meta.url)('semver/functions/satisfies.js'),
    valid: createRequire(import.meta.url)('semver/functions/valid.js'),
    validRange: createRequire(import.meta.url)('semver/ranges/valid.js'),
  });
}
import { compatibleApiVersions, apiVersion as hostApiVersion } from '@mcp-switchboard/plugin-api';

export type ApiVersionCheck = { ok: true } | { ok: false; invalid: boolean; reason: string; fix: string };

/**
 * Can a plugin built against `pluginVersion` run on this host? It can when one of the versions the host provides
 * (its own, or an older major it still loads unchanged: `compatible`) has the plugin's major and a minor no older
 * than the plugin's; a range (`^1.0.0`) must be satisfied by one of them.
 */
export function checkApiVersion(
  pluginVersion: unknown,
  host: string = hostApiVersion,
  compatible: readonly string[] = host === hostApiVersion ? compatibleApiVersions : [],
): ApiVersionCheck {
  // What definePlugin fills in for a plugin built against this very plugin API (every built-in plugin).
  if (typeof pluginVersion === 'string' && pluginVersion === host && host === hostApiVersion) return { ok: true };
  const semver = semverFunctions();
  const provided = [host, ...compatible];
  const hostMajor = semver.major(host);
  const providedText = compatible.length ? `${host} (and ${compatible.map((v) => `${semver.major(v)}.x up to ${v}`).join(', ')})` : host;
  const upgradeHost = `upgrade mcp-switchboard to a version that provides plugin API ${String(pluginVersion)}`;
  const downgradePlugin = `install a version of the plugin built for plugin API ${hostMajor}.x`;
  if (typeof pluginVersion !== 'string' || !pluginVersion) {
    return {
      ok: false,
      invalid: true,
      reason: 'has no apiVersion',
      fix: 'Make the plugin with definePlugin(), or set apiVersion to the plugin-api version it was built with.',
    };
  }
  const exact = semver.valid(pluginVersion);
  if (exact) {
    const sameMajor = provided.find((v) => semver.major(v) === semver.major(exact));
    if (sameMajor && semver.minor(exact) <= semver.minor(sameMajor)) return { ok: true };
    const reason = `was built for plugin API ${exact}, but this mcp-switchboard provides plugin API ${providedText}`;
    // Newer than the host's own API: a newer host may load it. An older major's unknown minor never will.
    if (semver.major(exact) > hostMajor || (semver.major(exact) === hostMajor && semver.minor(exact) > semver.minor(host))) {
      return { ok: false, invalid: false, reason, fix: `${upgradeHost}, or ${downgradePlugin}.` };
    }
    return { ok: false, invalid: false, reason, fix: `Upgrade the plugin: ${downgradePlugin}.` };
  }
  if (semver.validRange(pluginVersion)) {
    if (provided.some((v) => semver.satisfies(v, pluginVersion))) return { ok: true };
    return {
      ok: false,
      invalid: false,
      reason: `requires plugin API ${pluginVersion}, but this mcp-switchboard provides plugin API ${providedText}`,
      fix: `${downgradePlugin[0]!.toUpperCase()}${downgradePlugin.slice(1)}, or use an mcp-switchboard whose plugin API satisfies ${pluginVersion}.`,
    };
  }
  return {
    ok: false,
    invalid: true,
    reason: `has an apiVersion that is not a version: ${JSON.stringify(pluginVersion)}`,
    fix: 'Set apiVersion to a semver version such as "2.0.0" (definePlugin fills it in).',
  };
}
