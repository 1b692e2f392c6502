import {
  SwitchboardError,
  errorMessage,
  formatError,
  type ConfigSource,
  type Logger,
  type PluginDriver,
  type PluginHookError,
  type ServerDefinition,
} from '@mcp-switchboard/plugin-api';
import { hookFields } from './hub-plugins.js';

/** What a config source's failed `load()` is reported as: its own SwitchboardError, else SWB_SOURCE_FAILED. */
function sourceFailure(error: PluginHookError): SwitchboardError {
  if (!error.isBug) return error;
  return new SwitchboardError('SWB_SOURCE_FAILED', `config source "${error.pluginId}" failed to load its servers: ${errorMessage(error.cause)}`, {
    cause: error.cause,
    details: { plugin: error.pluginId, hook: error.hook },
  });
}

/**
 * Every source's servers, loaded at once, in source order. A source that fails is logged with its plugin's id
 * and serves no servers; the others serve.
 */
export async function loadSources(sources: PluginDriver<ConfigSource>, logger: Logger): Promise<ServerDefinition[][]> {
  const outcomes = await sources.parallel('load');
  return outcomes.map((outcome, index) => {
    if (outcome.status === 'fulfilled') return Array.isArray(outcome.value) ? outcome.value : [];
    const error = sourceFailure(outcome.error);
    // A bug gets its stack in the log; a failure the source reported (a SwitchboardError) says enough.
    const stack = outcome.error.isBug ? { err: outcome.error.cause } : {};
    logger.error(formatError(error), { source: index, plugin: outcome.pluginId, hook: 'load', ...stack });
    return [];
  });
}

/**
 * Subscribes to every source that can watch; `apply` gets the source's index and its new servers. A failure to
 * subscribe or to apply is logged with the source's plugin id. Returns the unsubscribe functions.
 */
export function watchSources(
  sources: PluginDriver<ConfigSource>,
  apply: (index: number, servers: ServerDefinition[]) => void,
  logger: Logger,
): Array<() => void> {
  const unsubscribers: Array<() => void> = [];
  sources.entries.forEach((entry, index) => {
    if (!entry.contribution.watch) return;
    try {
      const unsubscribe = sources.callSync(entry, 'watch', (servers) => {
        try {
          apply(index, Array.isArray(servers) ? servers : []);
        } catch (error) {
          logger.error(`applying the servers of config source "${entry.pluginId}" failed`, { plugin: entry.pluginId, error: errorMessage(error) });
        }
      });
      if (typeof unsubscribe === 'function') unsubscribers.push(unsubscribe);
    } catch (error) {
      logger.error(`config source "${entry.pluginId}" could not watch for changes`, hookFields(error));
    }
  });
  return unsubscribers;
}
