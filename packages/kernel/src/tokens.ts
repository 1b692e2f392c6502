import {
  createToken,
  type ConfigSource,
  type FilterContribution,
  type PluginKind,
  type ReporterContribution,
  type Token,
  type TransportContribution,
} from '@mcp-switchboard/plugin-api';

/**
 * Multi-tokens under which each kind's contributions are registered as plugins are set up, so a later phase can
 * depend on an earlier one (a transport on the config sources). A token of a phase not set up yet resolves to [].
 */
export const contributionTokens = {
  'config-source': createToken<ConfigSource>('switchboard.config-sources', { multiple: true }),
  reporter: createToken<ReporterContribution>('switchboard.reporters', { multiple: true }),
  filter: createToken<FilterContribution>('switchboard.filters', { multiple: true }),
  transport: createToken<TransportContribution>('switchboard.transports', { multiple: true }),
} as const satisfies Record<PluginKind, Token<unknown>>;

/** Kernel-internal settings, injected by id. */
export const kernelTokens = {
  eventQueueSize: 'kernel.event-queue-size',
} as const;
