import { SwitchboardError, switchboardConfigSchema, type SwitchboardConfig } from '@mcp-switchboard/plugin-api';
import { throwCollected } from '../collect-errors.js';
import { formatJsonPath, isUnderPath, type JsonPath } from '../json-path.js';
import { defaultGlobalConfigDir, findConfig, type SkippedConfig } from './find-config.js';
import { issuesToErrors } from './format-issues.js';
import { interpolateEnv } from './interpolate.js';
import { settleServerVariables } from './unset-server-variables.js';
import { deepMerge } from './merge.js';
import { findSecrets, processSecrets, type SecretRedactor } from '../secrets.js';

export interface LoadConfigOptions {
  cwd: string;
  /** An exact file (--config); falls back to env.SWITCHBOARD_CONFIG. Missing file: SWB_CONFIG_NOT_FOUND. */
  configFile?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Values that beat the file (CLI flag > env var, already merged by the caller). Objects merge deeply. */
  overrides?: Record<string, unknown> | undefined;
  /** Values the file beats (defaults of the app), below the file and above the schema's defaults. */
  defaults?: Record<string, unknown> | undefined;
  /** Throw SWB_CONFIG_NOT_FOUND when no file is found; otherwise an empty config is used. */
  required?: boolean | undefined;
  /** The user config dir (default `$XDG_CONFIG_HOME/switchboard` or `~/.config/switchboard`). */
  globalConfigDir?: string | undefined;
  /** The last folder searched going up from cwd (default: the home folder); the first project root also ends it. */
  stopDir?: string | undefined;
  /**
   * Told every secret of the config (env and header values, tokens, keys, interpolated variables) before it is
   * validated, so even an error message quoting a bad value is redacted. Default: the process-wide redactor.
   */
  secrets?: SecretRedactor | undefined;
}

export interface LoadedConfig {
  config: SwitchboardConfig;
  filepath: string | undefined;
}

/** Everything found while loading, problems included, so the kernel can add plugin problems and report all at once. */
export interface PreparedConfig {
  config: SwitchboardConfig | undefined;
  filepath: string | undefined;
  errors: SwitchboardError[];
  /** `plugins` entries as written (after interpolation and overrides), minus those the schema rejected. */
  pluginEntries: Array<{ entry: unknown; index: number }>;
  /** Things a person should know that do not stop the start (logged once the logger exists). */
  notices: ConfigNotice[];
}

/** A problem found while loading that does not stop the start. */
export interface ConfigNotice {
  level: 'info' | 'warn';
  message: string;
  fields?: Record<string, unknown>;
}

/** Config files discovery refused to load, as notices: someone may be trying to plant one. */
function skippedNotices(skipped: readonly SkippedConfig[]): ConfigNotice[] {
  return skipped.map(({ file, reason }) => ({ level: 'warn', message: `config file ${file} was not loaded: ${reason}`, fields: { file } }));
}

const searchedNames =
  'switchboard.config.{json,yaml,yml,mjs,js,cjs}, .switchboardrc, .switchboardrc.{json,yaml,yml,mjs,js,cjs}, package.json#switchboard (config.* in the user config dir)';

/** Server ids, their prefixes and profile names: in every exposed tool name or URL, so never secrets. */
function publicNames(config: unknown): string[] {
  const names: string[] = [];
  const { mcpServers, profiles } = (config ?? {}) as { mcpServers?: unknown; profiles?: unknown };
  if (mcpServers && typeof mcpServers === 'object') {
    for (const [id, entry] of Object.entries(mcpServers)) {
      names.push(id);
      const prefix = (entry as { prefix?: unknown } | null)?.prefix;
      if (typeof prefix === 'string') names.push(prefix);
    }
  }
  if (profiles && typeof profiles === 'object') names.push(...Object.keys(profiles));
  return names;
}

/** Reads, interpolates, merges and validates the configuration; problems are returned, not thrown. */
export async function prepareConfig(options: LoadConfigOptions): Promise<PreparedConfig> {
  const globalConfigDir = options.globalConfigDir ?? defaultGlobalConfigDir(options.env);
  const found = await findConfig({
    cwd: options.cwd,
    configFile: options.configFile ?? (options.env.SWITCHBOARD_CONFIG || undefined),
    globalConfigDir,
    stopDir: options.stopDir,
  });
  if (!found.found && options.required) {
    const refused = found.skipped.map(({ file, reason }) => `; ignored ${file} (${reason})`).join('');
    throw new SwitchboardError('SWB_CONFIG_NOT_FOUND', `no Switchboard config found; looked in ${found.searched.join(', ')} for ${searchedNames}${refused}`, {
      details: { searched: found.searched, skipped: found.skipped },
    });
  }
  const filepath = found.found ? found.filepath : undefined;
  const where = filepath ?? 'configuration';

  const { value: interpolated, missing: allMissing, referenced } = interpolateEnv(found.found ? found.raw : {}, options.env);
  // An unset variable inside one server's entry stops that server only (marked here, refused when started).
  const settled = settleServerVariables(deepMerge(deepMerge(options.defaults ?? {}, interpolated), options.overrides ?? {}), allMissing);
  const missing = settled.rest;
  const merged = settled.config;
  const errors = missing.map(
    ({ variable, path }) =>
      new SwitchboardError('SWB_CONFIG_ENV_MISSING', `${where}: ${formatJsonPath(path)}: environment variable ${variable} is not set`, {
        details: { variable, path: [...path], ...(filepath ? { file: filepath } : {}) },
      }),
  );
  const secrets = options.secrets ?? processSecrets;
  secrets.addPublic(publicNames(merged));
  secrets.add([...findSecrets(merged), ...referenced.map((name) => options.env[name])]);

  // Parsed once per load: zod's compiled fast path (a `new Function` per object schema) would cost more than it saves.
  const parsed = switchboardConfigSchema.safeParse(merged, { jitless: true });
  // A value emptied by a missing variable would also fail the schema; the missing variable is the real problem.
  const missingPaths: JsonPath[] = missing.map((m) => m.path);
  const rejected: JsonPath[] = [];
  if (!parsed.success) {
    const issues = parsed.error.issues.filter((issue) => !missingPaths.some((p) => isUnderPath(issue.path, p)));
    errors.push(...issuesToErrors(issues, { input: merged, file: filepath }));
    rejected.push(...parsed.error.issues.map((issue) => issue.path));
  }

  const rawPlugins = (merged as { plugins?: unknown } | null)?.plugins;
  const pluginEntries = (Array.isArray(rawPlugins) ? rawPlugins : [])
    .map((entry: unknown, index: number) => ({ entry, index }))
    .filter(({ index }) => !rejected.some((path) => isUnderPath(path, ['plugins', index])));

  let config: SwitchboardConfig | undefined;
  if (parsed.success) {
    // zod copies objects; plugin objects from a .mjs config must reach the kernel as written.
    config = Array.isArray(rawPlugins) ? { ...parsed.data, plugins: rawPlugins } : parsed.data;
    if (config.profile !== undefined && !Object.hasOwn(config.profiles ?? {}, config.profile)) {
      const known = Object.keys(config.profiles ?? {});
      errors.push(
        new SwitchboardError(
          'SWB_PROFILE_UNKNOWN',
          `profile "${config.profile}" is not defined in ${where}; ${known.length ? `profiles: ${known.join(', ')}` : 'no profiles are defined'}`,
          { details: { profile: config.profile, profiles: known } },
        ),
      );
    }
  }
  return { config: errors.length ? undefined : config, filepath, errors, pluginEntries, notices: [...skippedNotices(found.skipped), ...settled.notices] };
}

/** Loads the configuration, throwing every problem at once (SwitchboardAggregateError when several). */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const prepared = await prepareConfig(options);
  throwCollected(prepared.errors, (count) => `${count} problems in ${prepared.filepath ?? 'the configuration'}`);
  return { config: prepared.config!, filepath: prepared.filepath };
}
