import type { SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import sourceFile from '@mcp-switchboard/plugin-source-file';
import sourceEnv from '@mcp-switchboard/plugin-source-env';
import filterRules from '@mcp-switchboard/plugin-filter-rules';
import transportStdio from '@mcp-switchboard/plugin-transport-stdio';
import transportHttp from '@mcp-switchboard/plugin-transport-http';

/**
 * The plugins every run has. Order matters: the file source comes before the env source so env servers win
 * a name clash (later sources win). A config entry with the same id replaces the built-in one.
 */
export function builtinPlugins(): Array<{ plugin: SwitchboardPlugin }> {
  return [sourceFile, sourceEnv, filterRules, transportStdio, transportHttp].map((plugin) => ({ plugin: plugin as SwitchboardPlugin }));
}
