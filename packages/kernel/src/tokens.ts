import {
  createToken,
  type ConfigSource,
  type FilterContribution,
  type MiddlewareContribution,
  type MultiToken,
  type PluginKind,
  type ReporterContribution,
  type ServiceContribution,
  type TransportContribution,
} from '@mcp-switchboard/plugin-api';

/**
 * Multi-tokens under which each kind's contributions are registered as plugins are set up, so a later phase can
 * depend on an earlier one (a transport on the config sources). A token of a phase not set up yet resolves to [].
 */
export const contributionTokens: {
  readonly 'config-source': MultiToken<ConfigSource>;
  readonly reporter: MultiToken<ReporterContribution>;
  readonly filter: MultiToken<FilterContribution>;
  readonly middleware: MultiToken<MiddlewareContribution>;
  readonly service: MultiToken<ServiceContribution>;
  readonly transport: MultiToken<TransportContribution>;
} = {
  'config-source': createToken<ConfigSource>('switchboard.config-sources', { multiple: true }),
  reporter: createToken<ReporterContribution>('switchboard.reporters', { multiple: true }),
  filter: createToken<FilterContribution>('switchboard.filters', { multiple: true }),
  middleware: createToken<MiddlewareContribution>('switchboard.middleware', { multiple: true }),
  service: createToken<ServiceContribution>('switchboard.services', { multiple: true }),
  transport: createToken<TransportContribution>('switchboard.transports', { multiple: true }),
} satisfies Record<PluginKind, MultiToken<unknown>>;

/** Kernel-internal settings, injected by id. */
export const kernelTokens = {
  eventQueueSize: 'kernel.event-queue-size',
} as const;
