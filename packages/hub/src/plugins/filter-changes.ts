import { errorMessage, type FilterContribution, type Logger, type PluginDriver } from '@mcp-switchboard/plugin-api';
import { hookFields } from './hub-plugins.js';

/** Subscribes to every filter's `onChange`; a filter that cannot subscribe is logged with its plugin id. */
export function watchFilters(filters: PluginDriver<FilterContribution>, changed: () => void, logger: Logger): Array<() => void> {
  const unsubscribers: Array<() => void> = [];
  for (const entry of filters.entries) {
    if (!entry.contribution.onChange) continue;
    try {
      const unsubscribe = filters.callSync(entry, 'onChange', () => {
        try {
          changed();
        } catch (error) {
          logger.error('rebuilding the catalog after a filter change failed', { plugin: entry.pluginId, error: errorMessage(error) });
        }
      });
      if (typeof unsubscribe === 'function') unsubscribers.push(unsubscribe);
    } catch (error) {
      logger.error(`filter "${entry.pluginId}" could not subscribe to its changes`, hookFields(error));
    }
  }
  return unsubscribers;
}
