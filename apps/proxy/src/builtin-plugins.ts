import type { SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import sourceFile from '@mcp-switchboard/plugin-source-file';
import sourceEnv from '@mcp-switchboard/plugin-source-env';
import filterRules from '@mcp-switchboard/plugin-filter-rules';
import transportStdio from '@mcp-switchboard/plugin-transport-stdio';
import { lazyTransportHttp } from './lazy-transport-http.js';

/**
 * The plugins every run has. Order matters: the file source comes before the env source so env servers win
 * a name clash (later sources win). A config entry with the same id replaces the built-in one. The HTTP transport
 * is a stand-in that loads the real plugin on first use (see lazy-transport-http.ts).
 */
export function builtinPlugins(): Array<{ plugin: SwitchboardPlugin }> {
  return [sourceFile, sourceEnv, filterRules, transportStdio, lazyTransportHttp].map((plugin) => ({ plugin: plugin as SwitchboardPlugin }));
}
