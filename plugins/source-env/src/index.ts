import { coreServices, definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import { DEFAULT_VARIABLE, EnvConfigSource } from './env-config-source.js';

export { EnvConfigSource, parseServersJson, DEFAULT_VARIABLE } from './env-config-source.js';
export type { EnvConfigSourceOptions } from './env-config-source.js';

/** Options of the source-env plugin (`["source-env", { ... }]`). */
export const sourceEnvOptionsSchema = z
  .object({
    /** The environment variable holding the servers' JSON. */
    variable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable must be an environment variable name such as SWITCHBOARD_MCP_SERVERS')
      .default(DEFAULT_VARIABLE),
  })
  .strict()
  .prefault({});

export type SourceEnvOptions = z.output<typeof sourceEnvOptionsSchema>;

/**
 * Servers from an environment variable (SWITCHBOARD_MCP_SERVERS by default), in the config file's `mcpServers`
 * format. List it after source-file: later sources win, so an env server overrides a file server of the same name.
 */
export const plugin = definePlugin({
  id: 'source-env',
  kind: 'config-source',
  options: sourceEnvOptionsSchema,
  deps: { logger: coreServices.logger },
  setup({ logger }, options) {
    const { variable } = sourceEnvOptionsSchema.parse(options ?? {});
    return new EnvConfigSource({ variable, logger });
  },
});

export default plugin;
