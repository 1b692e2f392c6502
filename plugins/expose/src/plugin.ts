import { definePlugin } from '@mcp-switchboard/plugin-api';
import { ExposeRules } from './expose-rules.js';
import { exposeOptionsSchema } from './options.js';

/** Renames tools and prompts and overrides their titles, descriptions and annotations, per server and per profile. */
export const plugin = definePlugin({
  id: 'expose',
  kind: 'middleware',
  options: exposeOptionsSchema,
  setup(_deps, options) {
    const rules = new ExposeRules(options);
    return {
      tool: (item) => rules.tool(item.server.id, item.originalName, item.profile),
      prompt: (item) => rules.prompt(item.server.id, item.originalName, item.profile),
    };
  },
});
