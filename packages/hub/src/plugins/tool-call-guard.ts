import { PluginHookError, type FilterContribution, type Logger, type PluginDriver, type ToolCallContext } from '@mcp-switchboard/plugin-api';
import { ErrorCode, switchboardRpcError } from '../util/rpc-error.js';
import type { LooseResult } from '../util/schemas.js';

/** Where a refusal's code, fix and plugin are, in the result's `_meta` (named like the catalog's own keys). */
export const ERROR_META_KEY = 'io.mcp-switchboard/error';

/**
 * Runs every filter's `beforeToolCall` in order. Resolves with nothing when the call may go on, or with the
 * answer to a refusal: a filter that throws a SwitchboardError refuses the call with its own code, message and
 * fix (a tool result with `isError`, so the model reads why; the code and fix also under `_meta`). Anything else
 * a filter throws is that plugin's bug: logged with the plugin, the hook and the stack, and answered as a
 * JSON-RPC internal error naming the plugin (SWB_PLUGIN_HOOK). Either way the call is not forwarded.
 */
export async function guardToolCall(filters: PluginDriver<FilterContribution>, call: ToolCallContext, logger: Logger): Promise<LooseResult | undefined> {
  try {
    await filters.sequential('beforeToolCall', call);
    return undefined;
  } catch (thrown) {
    const error = thrown instanceof PluginHookError ? thrown : new PluginHookError('unknown', 'beforeToolCall', thrown);
    const name = call.exposedName;
    const where = { tool: name, server: call.server.id, plugin: error.pluginId, hook: error.hook };
    if (error.isBug) {
      logger.error(`filter "${error.pluginId}" failed in beforeToolCall() on a call to tool "${name}"; the call was not forwarded`, {
        ...where,
        code: error.code,
        err: error.cause,
      });
      throw switchboardRpcError(ErrorCode.InternalError, 'SWB_PLUGIN_HOOK', `Internal error in plugin "${error.pluginId}" (beforeToolCall) on tool "${name}"; the call was not forwarded`, {
        plugin: error.pluginId,
        hook: error.hook,
        fix: error.fix,
      });
    }
    logger.info(`call to tool "${name}" refused by filter "${error.pluginId}"`, { ...where, code: error.code, reason: error.message });
    return {
      content: [{ type: 'text', text: `Switchboard refused the call to "${name}": ${error.message} (${error.code})\nfix: ${error.fix}` }],
      isError: true,
      _meta: { [ERROR_META_KEY]: { code: error.code, fix: error.fix, plugin: error.pluginId } },
    };
  }
}
