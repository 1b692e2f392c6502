import type {
  ConfigSource,
  DownstreamConnector,
  EventBus,
  FilterContribution,
  Logger,
  ServerState,
  ServerTransportType,
  SwitchboardConfig,
} from '@mcp-switchboard/plugin-api';

export type { CatalogEntry } from './catalog/catalog.js';

export interface HubOptions {
  /** The configuration, defaults applied (namespace, timeouts, startupBudgetMs, pageSize, profiles). */
  config: SwitchboardConfig;
  /** Merged by server id; later sources win. */
  sources: ConfigSource[];
  /** Picked by `server.transport`. */
  connectors: DownstreamConnector[];
  filters: FilterContribution[];
  events: EventBus;
  logger: Logger;
  /** The selected profile: only its servers run. Unknown → SwitchboardError SWB_PROFILE_UNKNOWN. */
  profile?: string;
  /** What clients are told (default: mcp-switchboard and this package's version). */
  serverInfo?: { name: string; version: string };
  /** Called by `requestShutdown` (a front door whose only client left). Can also be set later on the hub. */
  onShutdownRequest?: (reason: string) => void;
}

export interface ServerStatus {
  id: string;
  name: string;
  source: string;
  transport: ServerTransportType;
  state: ServerState;
  error?: string;
  pid?: number;
  tools: number;
  prompts: number;
  resources: number;
  resourceTemplates: number;
  /** Time from start to ready (connect, initialize and the first lists). */
  startupMs?: number;
}
