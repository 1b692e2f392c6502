import { coreServices, definePlugin } from '@mcp-switchboard/plugin-api';
import { FileConfigSource } from './file-config-source.js';

export { FileConfigSource, serversFromConfig } from './file-config-source.js';

/** Servers from the config file's `mcpServers` (the Claude Desktop format plus Switchboard's extras). */
export const plugin = definePlugin({
  id: 'source-file',
  kind: 'config-source',
  deps: { config: coreServices.config, logger: coreServices.logger },
  setup({ config, logger }) {
    return new FileConfigSource(config, logger);
  },
});

export default plugin;
