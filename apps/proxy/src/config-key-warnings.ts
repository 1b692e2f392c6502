import { closestMatches } from '@mcp-switchboard/hub';
import { switchboardConfigSchema } from '@mcp-switchboard/plugin-api';

/** Top-level keys read by plugins rather than the core schema (`http` is the HTTP front door's block). */
const PLUGIN_KEYS = ['http', '$schema'];

/**
 * Warnings for top-level config keys that look like a misspelt Switchboard key (`mcpServer` for `mcpServers`):
 * such a key is silently ignored, so the config serves nothing. Other unknown keys are normal (a Claude Desktop
 * config holds the app's own settings) and pass without a word.
 */
export function misspeltConfigKeys(config: object): string[] {
  const known = [...Object.keys(switchboardConfigSchema.shape), ...PLUGIN_KEYS];
  const candidates = known.map((name) => ({ name }));
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (known.includes(key)) continue;
    const [closest] = closestMatches(key, candidates, 1);
    if (closest) warnings.push(`unknown config key "${key}" is ignored; did you mean "${closest}"?`);
  }
  return warnings;
}
