import type {
  Clock,
  ConfigSource,
  Contributed,
  DownstreamConnector,
  EventBus,
  FilterContribution,
  Logger,
  MiddlewareContribution,
  ServerState,
  ServerTransportType,
  SwitchboardConfig,
} from '@mcp-switchboard/plugin-api';

export type { CatalogEntry } from './catalog/catalog.js';

export interface HubOptions {
  /** The configuration, defaults applied (namespace, timeouts, startupBudgetMs, pageSize, profiles). */
  config: SwitchboardConfig;
  /**
   * The plugins' contributions, each best with its plugin's id (`kernel.contributed(kind)`, `kernel.connectors`)
   * so a failing hook is reported with it; a bare contribution gets an id of its kind and position (`filter #1`).
   * Sources are merged by server id (later sources win); connectors are picked by `server.transport`.
   */
  sources: ReadonlyArray<ConfigSource | Contributed<ConfigSource>>;
  connectors: ReadonlyArray<DownstreamConnector | Contributed<DownstreamConnector>>;
  filters: ReadonlyArray<FilterContribution | Contributed<FilterContribution>>;
  /** Middleware (plugin API 2.0): list transforms and call interception, in plugin order. Default none. */
  middleware?: ReadonlyArray<MiddlewareContribution | Contributed<MiddlewareContribution>>;
  events: EventBus;
  logger: Logger;
  /** The selected profile: only its servers run. Unknown → SwitchboardError SWB_PROFILE_UNKNOWN. */
  profile?: string;
  /** What clients are told (default: mcp-switchboard and this package's version). */
  serverInfo?: { name: string; version: string };
  /** Called by `requestShutdown` (a front door whose only client left). Can also be set later on the hub. */
  onShutdownRequest?: (reason: string) => void;
  /** Timers of supervision (restart backoff, circuit, pings, idle timeouts, call waits). Default: real, unref'd. */
  clock?: Clock;
  /**
   * How long a filter's `beforeToolCall` (and a middleware's call hook) may take: one that has not answered by then is reported as that plugin's
   * failure (SWB_PLUGIN_HOOK) and the call is not forwarded. Default 10000.
   */
  hookTimeoutMs?: number;
}

export interface ServerStatus {
  id: string;
  name: string;
  source: string;
  transport: ServerTransportType;
  state: ServerState;
  /** Why it is failed or restarting (secrets redacted). */
  error?: string;
  pid?: number;
  /** Restart attempts supervision made (since the server was configured). */
  restarts: number;
  /** When the next start attempt is due (epoch ms): restarting in backoff, or failed with the circuit open. */
  nextRetryAt?: number;
  /** Stopped by its idle timeout; the next call starts it again. */
  idle?: boolean;
  tools: number;
  prompts: number;
  resources: number;
  resourceTemplates: number;
  /** Time from start to ready (connect, initialize and the first lists). */
  startupMs?: number;
}
