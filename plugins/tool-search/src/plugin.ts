import { coreServices, definePlugin, errorMessage } from '@mcp-switchboard/plugin-api';
import { toolSearchOptionsSchema } from './options.js';
import { ToolSearch } from './tool-search.js';
import { usageFilePath } from './usage-file-path.js';
import { UsageStore } from './usage-store.js';

/**
 * Tool search for big catalogs: in `hybrid` mode (the default over `threshold` tools) only the pinned and most
 * used tools stay listed, and `search_tools` / `call_tool` reach the rest. Runs last (`enforce: 'post'`), so it
 * sees the names other middleware gave.
 */
export const plugin = definePlugin({
  id: 'tool-search',
  kind: 'middleware',
  enforce: 'post',
  options: toolSearchOptionsSchema,
  deps: { config: coreServices.config, clock: coreServices.clock, logger: coreServices.logger },
  async setup({ config, clock, logger }, options) {
    const file = usageFilePath(options.usageFile, config.filepath);
    const usage = file === undefined ? undefined : new UsageStore(file, (message) => logger.warn(`tool-search: ${message}`));
    await usage?.load();
    const engine = new ToolSearch(options, { clock, logger, ...(usage ? { usage } : {}) });
    return {
      tool: (item) =>
        engine.listed({ serverId: item.server.id, originalName: item.originalName, exposedName: item.exposedName }) ? undefined : { listed: false },
      virtualTools: () => engine.metaTools(),
      afterToolCall(call) {
        // Every forwarded call counts, whether the client called it directly or through call_tool.
        if (call.server) engine.recordCall(call.server.id, call.tool);
      },
      onChange: (listener) => engine.onChange(listener),
      info: () => ({ mode: engine.mode, learnedPins: engine.learnedPins, ...(file ? { usageFile: file } : {}) }),
      async dispose() {
        await engine.save().catch((error: unknown) => logger.warn('tool-search: cannot save the tool usage', { error: errorMessage(error) }));
      },
    };
  },
});
