import { SwitchboardError, formatError, type ConfigSource, type Logger, type ServerDefinition } from '@mcp-switchboard/plugin-api';
import { errorMessage } from './util/rpc-error.js';

/**
 * The servers the config sources give: loaded once (a failing source is logged and counts as empty), kept up to
 * date by watching, and merged by id (a later source wins).
 */
export class SourceServers {
  private lists: ServerDefinition[][] = [];

  constructor(
    private readonly sources: readonly ConfigSource[],
    private readonly logger: Logger,
  ) {}

  async load(): Promise<void> {
    const loaded = await Promise.allSettled(this.sources.map((source) => Promise.resolve().then(() => source.load())));
    this.lists = loaded.map((result, index) => {
      if (result.status === 'fulfilled') return Array.isArray(result.value) ? result.value : [];
      const error =
        result.reason instanceof SwitchboardError
          ? result.reason
          : new SwitchboardError('SWB_SOURCE_FAILED', `config source #${index + 1} failed to load its servers: ${errorMessage(result.reason)}`, {
              cause: result.reason,
            });
      this.logger.error(formatError(error), { source: index });
      return [];
    });
  }

  /** Watches every source that can; `changed` runs after a source's servers were replaced. Returns the disposers. */
  watch(changed: () => void): Array<() => void> {
    const disposers: Array<() => void> = [];
    this.sources.forEach((source, index) => {
      if (!source.watch) return;
      try {
        disposers.push(
          source.watch((servers) => {
            try {
              this.lists[index] = Array.isArray(servers) ? servers : [];
              changed();
            } catch (error) {
              this.logger.error(`applying the servers of config source #${index + 1} failed`, { error: errorMessage(error) });
            }
          }),
        );
      } catch (error) {
        this.logger.error(`config source #${index + 1} could not watch for changes`, { error: errorMessage(error) });
      }
    });
    return disposers;
  }

  /** Server id → definition over every source (later wins), keeping only `members` when given (a profile). */
  merged(members?: ReadonlySet<string>): Map<string, ServerDefinition> {
    const desired = new Map<string, ServerDefinition>();
    for (const list of this.lists) for (const server of list) if (server && typeof server.id === 'string') desired.set(server.id, server);
    if (members) for (const id of [...desired.keys()]) if (!members.has(id)) desired.delete(id);
    return desired;
  }
}
