import type { ConfigSource, Logger, PluginDriver, ServerDefinition } from '@mcp-switchboard/plugin-api';
import { loadSources, watchSources } from './plugins/source-hooks.js';

/**
 * The servers the config sources give: loaded once (a failing source is logged and counts as empty), kept up to
 * date by watching, and merged by id (a later source wins).
 */
export class SourceServers {
  private lists: ServerDefinition[][] = [];

  constructor(
    /** The sources' hooks, called through their driver (a failure names the source's plugin). */
    private readonly sources: PluginDriver<ConfigSource>,
    private readonly logger: Logger,
  ) {}

  async load(): Promise<void> {
    this.lists = await loadSources(this.sources, this.logger);
  }

  /** Watches every source that can; `changed` runs after a source's servers were replaced. Returns the disposers. */
  watch(changed: () => void): Array<() => void> {
    return watchSources(
      this.sources,
      (index, servers) => {
        this.lists[index] = servers;
        changed();
      },
      this.logger,
    );
  }

  /** Server id → definition over every source (later wins), keeping only `members` when given (a profile). */
  merged(members?: ReadonlySet<string>): Map<string, ServerDefinition> {
    const desired = new Map<string, ServerDefinition>();
    for (const list of this.lists) for (const server of list) if (server && typeof server.id === 'string') desired.set(server.id, server);
    if (members) for (const id of [...desired.keys()]) if (!members.has(id)) desired.delete(id);
    return desired;
  }
}
