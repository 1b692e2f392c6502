import { isAbsolute, resolve, dirname } from 'node:path';
import { coreServices, definePlugin } from '@mcp-switchboard/plugin-api';
import { lockfilePath } from './lockfile.js';
import { pinningOptionsSchema } from './options.js';
import { PinGuard } from './pin-guard.js';

/**
 * Pins every tool definition in `switchboard.lock.json` and quarantines one that changed (hidden from lists, its
 * calls refused with a code naming the change) until `mcp-switchboard pins approve`. Runs first (`enforce: 'pre'`)
 * so it judges the servers' definitions before any other middleware renames or re-describes them.
 */
export const plugin = definePlugin({
  id: 'pinning',
  kind: 'middleware',
  enforce: 'pre',
  options: pinningOptionsSchema,
  deps: { config: coreServices.config, clock: coreServices.clock, logger: coreServices.logger },
  async setup({ config, clock, logger }, options) {
    const base = config.filepath ? dirname(config.filepath) : process.cwd();
    const file =
      options.lockfile === undefined ? lockfilePath(config.filepath) : isAbsolute(options.lockfile) ? options.lockfile : resolve(base, options.lockfile);
    const guard = new PinGuard({ file, policy: options.policy, pollMs: options.pollMs }, { clock, logger });
    await guard.load();
    guard.watch();
    return {
      // Quarantined: not listed, but still routed here, so a call gets the refusal that says why.
      tool: (item) => (guard.review(item.server, item.originalName, item.definition) ? undefined : { listed: false }),
      beforeToolCall(call) {
        const refusal = call.server && guard.refusal(call.server.id, call.tool);
        return refusal ? { action: 'refuse', ...refusal } : undefined;
      },
      onChange: (listener) => guard.onChange(listener),
      info: () => ({ lockfile: guard.file, policy: options.policy, quarantined: guard.quarantined().map((q) => `${q.server}/${q.tool} (${q.state})`) }),
      dispose: () => guard.close(),
    };
  },
});
