// The functions one by one: semver's index loads all of its ~50 modules, and every start checks plugins.
import major from 'semver/functions/major.js';
import minor from 'semver/functions/minor.js';
import satisfies from 'semver/functions/satisfies.js';
import valid from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';

const semver = { major, minor, satisfies, valid, validRange };
import { apiVersion as hostApiVersion } from '@mcp-switchboard/plugin-api';

export type ApiVersionCheck = { ok: true } | { ok: false; invalid: boolean; reason: string; fix: string };

/**
 * Can a plugin built against `pluginVersion` run on this host? Same major and a minor no newer than ours; a
 * range (`^1.0.0`) must be satisfied by our version.
 */
export function checkApiVersion(pluginVersion: unknown, host: string = hostApiVersion): ApiVersionCheck {
  const hostMajor = semver.major(host);
  const upgradeHost = `upgrade mcp-switchboard to a version that provides plugin API ${String(pluginVersion)}`;
  const downgradePlugin = `install a version of the plugin built for plugin API ${hostMajor}.x`;
  if (typeof pluginVersion !== 'string' || !pluginVersion) {
    return { ok: false, invalid: true, reason: 'has no apiVersion', fix: 'Make the plugin with definePlugin(), or set apiVersion to the plugin-api version it was built with.' };
  }
  const exact = semver.valid(pluginVersion);
  if (exact) {
    if (semver.major(exact) > hostMajor || (semver.major(exact) === hostMajor && semver.minor(exact) > semver.minor(host))) {
      return { ok: false, invalid: false, reason: `was built for plugin API ${exact}, but this mcp-switchboard provides plugin API ${host}`, fix: `${upgradeHost}, or ${downgradePlugin}.` };
    }
    if (semver.major(exact) < hostMajor) {
      return { ok: false, invalid: false, reason: `was built for plugin API ${exact}, but this mcp-switchboard provides plugin API ${host}`, fix: `Upgrade the plugin: ${downgradePlugin}.` };
    }
    return { ok: true };
  }
  if (semver.validRange(pluginVersion)) {
    if (semver.satisfies(host, pluginVersion)) return { ok: true };
    return { ok: false, invalid: false, reason: `requires plugin API ${pluginVersion}, but this mcp-switchboard provides plugin API ${host}`, fix: `${downgradePlugin[0]!.toUpperCase()}${downgradePlugin.slice(1)}, or use an mcp-switchboard whose plugin API satisfies ${pluginVersion}.` };
  }
  return { ok: false, invalid: true, reason: `has an apiVersion that is not a version: ${JSON.stringify(pluginVersion)}`, fix: 'Set apiVersion to a semver version such as "1.0.0" (definePlugin fills it in).' };
}
