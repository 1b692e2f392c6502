import { SwitchboardError, coreServices, definePlugin, errorMessage, type ReporterContribution } from '@mcp-switchboard/plugin-api';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { startMetricsServer } from './metrics-server.js';
import { prometheusOptionsSchema } from './options.js';
import { SwitchboardMetrics } from './switchboard-metrics.js';

export { prometheusOptionsSchema } from './options.js';
export type { PrometheusOptions, PrometheusOptionsInput } from './options.js';
export { SwitchboardMetrics, serverStates } from './switchboard-metrics.js';
export { startMetricsServer } from './metrics-server.js';
export type { MetricsServer } from './metrics-server.js';

/** What the contribution tells its host: where the metrics are (the port matters with `port: 0`). */
export type PrometheusInfo = { readonly port: number; readonly url: string };

/**
 * Prometheus metrics of the proxy on `GET /metrics` of its own port: calls by server and tool (original and
 * exposed name) with durations, refusals, unknown names, dropped events, server states, catalog size.
 */
export const plugin = definePlugin({
  id: 'prometheus',
  kind: 'reporter',
  options: prometheusOptionsSchema,
  deps: { logger: coreServices.logger },
  async setup({ logger }, options) {
    const registry = new Registry();
    if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: options.prefix });
    const metrics = new SwitchboardMetrics(registry, options.prefix, options.buckets);
    let server: Awaited<ReturnType<typeof startMetricsServer>>;
    try {
      server = await startMetricsServer(registry, options);
    } catch (error) {
      throw new SwitchboardError('SWB_PLUGIN_SETUP', `prometheus: cannot listen on ${options.host}:${options.port}: ${errorMessage(error)}`, {
        cause: error,
        fix: 'Pick a free "port" for the prometheus plugin (0 picks one), or stop what holds this one.',
        details: { host: options.host, port: options.port },
      });
    }
    logger.info('prometheus metrics listening', { url: server.url, port: server.port });
    const info: PrometheusInfo = { port: server.port, url: server.url };
    const contribution: ReporterContribution & { info(): PrometheusInfo } = {
      onEvent: (event) => metrics.record(event),
      info: () => info,
      dispose: () => server.close(),
    };
    return contribution;
  },
});

export default plugin;
