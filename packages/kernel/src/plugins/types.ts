import type { SwitchboardPlugin } from '@mcp-switchboard/plugin-api';

/** A plugin that passed validation, with its parsed options and where it came from. */
export interface ResolvedPlugin {
  readonly plugin: SwitchboardPlugin;
  /** Options after the plugin's zod schema (defaults applied); undefined for plugins without a schema. */
  readonly options: unknown;
  /** Where it came from: `builtin`, `config object`, `./plugins/x.mjs`, `package switchboard-plugin-x (/abs/index.mjs)`. */
  readonly source: string;
  /** The module file it was loaded from (absolute), when it came from a path or a package: finds it in a stack. */
  readonly file?: string | undefined;
}

/** A `plugins` entry: a plugin object, a name or path, or `[name, options]`. */
export type PluginEntryInput = SwitchboardPlugin | string | readonly [string, unknown] | unknown;

export interface ResolvePluginsOptions {
  /** Folder of the config file: relative paths and node_modules near the config are looked up from here. */
  configDir: string;
  cwd: string;
  /** Folders of the app itself, looked in first so first-party plugins resolve under npx. */
  resolveFrom?: readonly string[] | undefined;
  /** The config file, named in messages. */
  configFile?: string | undefined;
}
