import { pluginKinds } from '@mcp-switchboard/plugin-api';
import type { ResolvedPlugin } from './types.js';

const rank = (item: ResolvedPlugin) => (item.plugin.enforce === 'pre' ? 0 : item.plugin.enforce === 'post' ? 2 : 1);

/**
 * The order plugins are set up: by phase (config-source, reporter, filter, transport), and inside a phase the
 * `pre` plugins, then the rest in config order, then `post` (Rollup's ordering; the sort is stable).
 */
export function setupOrder(plugins: readonly ResolvedPlugin[]): ResolvedPlugin[] {
  return pluginKinds.flatMap((kind) => plugins.filter((item) => item.plugin.kind === kind).sort((a, b) => rank(a) - rank(b)));
}
