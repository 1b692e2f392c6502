import type { FilterContribution, Logger, MiddlewareContribution, PluginDriver, SwitchboardConfig, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import type { CatalogSnapshot } from './catalog/catalog.js';
import type { RoutableConnection } from './connections/routable-connection.js';

/** What sessions and routing need from the hub; nothing here is per-session state. */
export interface HubContext {
  readonly config: SwitchboardConfig;
  readonly logger: Logger;
  /** The filters' hooks, called through their driver. */
  readonly filters: PluginDriver<FilterContribution>;
  /** Middleware's call hooks (before/after, virtual tools), called through their driver. */
  readonly middleware: PluginDriver<MiddlewareContribution>;
  emit(event: SwitchboardEvent): void;
  /** Whether an event of this type would reach anyone (a reporter, a listener): if not, it need not be built. */
  wants(type: SwitchboardEvent['type']): boolean;
  /** The catalog snapshot of a view ('' = every server the hub runs, else a profile). */
  view(key: string): CatalogSnapshot;
  connection(serverId: string): RoutableConnection | undefined;
  /** Connections in server id order. */
  connections(): readonly RoutableConnection[];
  /** Resolves once servers still starting are ready or the startup budget is spent. */
  waitForStartup(): Promise<void>;
  /** True once the startup budget is spent or every server settled. */
  startupDone(): boolean;
  /** Merged instructions of the view's ready servers. */
  instructions(view: string): string | undefined;
}
