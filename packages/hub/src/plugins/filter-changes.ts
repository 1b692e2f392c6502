import { errorMessage, type Logger, type PluginDriver } from '@mcp-switchboard/plugin-api';
import { hookFields } from './hub-plugins.js';

/** A contribution that may announce changes to its answers (filters, middleware). */
interface Changing {
  onChange?(listener: () => void): () => void;
}

/** Subscribes to every filter's (or middleware's) `onChange`; one that cannot subscribe is logged with its plugin id. */
export function watchFilters<T extends Changing>(
  filters: PluginDriver<T>,
  changed: () => void,
  logger: Logger,
  kind: 'filter' | 'middleware' = 'filter',
): Array<() => void> {
  const unsubscribers: Array<() => void> = [];
  for (const entry of filters.entries) {
    if (!entry.contribution.onChange) continue;
    try {
      const unsubscribe = (filters as unknown as PluginDriver<Changing>).callSync(entry, 'onChange', () => {
        try {
          changed();
        } catch (error) {
          logger.error(`rebuilding the catalog after a ${kind} change failed`, { plugin: entry.pluginId, error: errorMessage(error) });
        }
      });
      if (typeof unsubscribe === 'function') unsubscribers.push(unsubscribe);
    } catch (error) {
      logger.error(`${kind} "${entry.pluginId}" could not subscribe to its changes`, hookFields(error));
    }
  }
  return unsubscribers;
}
