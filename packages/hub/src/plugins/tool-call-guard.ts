import { PluginHookError, type FilterContribution, type Logger, type PluginDriver, type ToolCallContext } from '@mcp-switchboard/plugin-api';
import { ErrorCode, switchboardRpcError } from '../util/rpc-error.js';
import type { LooseResult } from '../util/schemas.js';

/** Where a refusal's code, fix and plugin are, in the result's `_meta` (named like the catalog's own keys). */
export const ERROR_META_KEY = 'io.mcp-switchboard/error';

/** A call a plugin refused: who, with what code, and the answer the client gets. */
export interface Refusal {
  readonly plugin: string;
  readonly code: string;
  readonly message: string;
  readonly fix: string | undefined;
  readonly result: LooseResult;
}

/**
 * The answer to a refused call: a tool result with `isError`, so the model reads why; the code and fix are also
 * under `_meta` for programs. `name` is the exposed name the client called.
 */
export function refusal(name: string, plugin: string, code: string, message: string, fix: string | undefined): Refusal {
  return {
    plugin,
    code,
    message,
    fix,
    result: {
      content: [{ type: 'text', text: `Switchboard refused the call to "${name}": ${message} (${code})${fix ? `\nfix: ${fix}` : ''}` }],
      isError: true,
      _meta: { [ERROR_META_KEY]: { code, ...(fix ? { fix } : {}), plugin } },
    },
  };
}

/**
 * A hook's failure on a call: a SwitchboardError thrown on purpose refuses the call with its author's code,
 * message and fix; anything else is that plugin's bug: logged with the plugin, the hook and the stack, and thrown
 * as a JSON-RPC internal error naming the plugin (SWB_PLUGIN_HOOK). Either way the call is not forwarded.
 */
export function refusalOrBug(
  thrown: unknown,
  kind: 'filter' | 'middleware',
  hook: string,
  where: { tool: string; server: string | undefined },
  logger: Logger,
): Refusal {
  const error = thrown instanceof PluginHookError ? thrown : new PluginHookError('unknown', hook, thrown);
  const fields = { ...where, plugin: error.pluginId, hook: error.hook };
  if (error.isBug) {
    logger.error(`${kind} "${error.pluginId}" failed in ${error.hook}() on a call to tool "${where.tool}"; the call was not answered by the tool`, {
      ...fields,
      code: error.code,
      err: error.cause,
    });
    throw switchboardRpcError(
      ErrorCode.InternalError,
      'SWB_PLUGIN_HOOK',
      `Internal error in plugin "${error.pluginId}" (${error.hook}) on tool "${where.tool}"; the call was not forwarded`,
      {
        plugin: error.pluginId,
        hook: error.hook,
        fix: error.fix,
      },
    );
  }
  logger.info(`call to tool "${where.tool}" refused by ${kind} "${error.pluginId}"`, { ...fields, code: error.code, reason: error.message });
  return refusal(where.tool, error.pluginId, error.code, error.message, error.fix);
}

/**
 * Runs every filter's `beforeToolCall` in order: nothing when the call may go on, else the refusal (see
 * `refusalOrBug`, which throws for a plugin's bug). Synchronous while the hooks answer synchronously (filter-rules
 * does, on every call): a promise only from the first hook that returns one; the filters after it are then asked
 * from `start`.
 */
export function guardToolCall(
  filters: PluginDriver<FilterContribution>,
  call: ToolCallContext,
  logger: Logger,
  start = 0,
): Refusal | undefined | Promise<Refusal | undefined> {
  // A loop and no closure while every hook answers at once: this runs on every tool call.
  const entries = filters.entries;
  for (let index = start; index < entries.length; index++) {
    const entry = entries[index]!;
    if (typeof entry.contribution.beforeToolCall !== 'function') continue;
    let answer: unknown;
    try {
      answer = filters.callEither(entry, 'beforeToolCall', call);
    } catch (thrown) {
      return refusedBy(thrown, call, logger);
    }
    if (answer instanceof Promise) {
      return answer.then(
        () => guardToolCall(filters, call, logger, index + 1),
        (thrown: unknown) => refusedBy(thrown, call, logger),
      );
    }
  }
  return undefined;
}

function refusedBy(thrown: unknown, call: ToolCallContext, logger: Logger): Refusal {
  return refusalOrBug(thrown, 'filter', 'beforeToolCall', { tool: call.exposedName, server: call.server.id }, logger);
}
