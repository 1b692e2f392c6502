import { coreServices, createToken, definePlugin, type SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import { PluggedinConnection, warnOnUnusualKey } from './connection.js';
import { createDiscoveryConnector } from './discovery.js';
import { pluggedinOptionsSchema, resolvePluggedinOptions } from './options.js';
import { createReporter } from './reporter.js';
import { createSource } from './source.js';
import { createToolFilter } from './tool-filter.js';

export { PluggedinApiClient, PluggedinApiError, parseRetryAfter } from './api-client.js';
export type {
  ActivityReport,
  AppTool,
  PluggedinApiClientOptions,
  PluggedinErrorKind,
  ReportedTool,
  ReportToolsResult,
  RequestOptions,
} from './api-client.js';
export { acquireConnection, pluggedinStatus, PluggedinConnection, MAX_BACKOFF_MS } from './connection.js';
export type { PluggedinStatus } from './connection.js';
export {
  API_KEY_PATTERN,
  DEFAULT_BASE_URL,
  looksLikeApiKey,
  pluggedinOptionsSchema,
  resolvePluggedinOptions,
} from './options.js';
export type { PluggedinOptions, PluggedinOptionsInput } from './options.js';
export {
  DISCOVERY_SERVER_ID,
  MAX_PREFIX_LENGTH,
  PLUGGEDIN_SOURCE,
  discoveryServerDefinition,
  flattenInstructions,
  mapServers,
  normalizePrefix,
  serverPrefix,
} from './server-mapping.js';
export type { InstructionsPrompt, MappedServers, SkippedServer } from './server-mapping.js';
export { DISCOVER_TOOL_NAME, createDiscoveryServer } from './discovery.js';
export type { PluggedinReporter } from './reporter.js';
export type { PluggedinSource } from './source.js';

/** The App connection the package's plugins share (one API client, one poll loop), provided by `pluggedin-connection`. */
export const pluggedinConnectionToken = createToken<PluggedinConnection>('pluggedin.connection');

/**
 * Provides the App connection to the other plugins of the package (plugin API 2 services): set up first, disposed
 * last, so it outlives every user. Its `info()` is the connection's status (never the key).
 */
export const pluggedinConnection = definePlugin({
  id: 'pluggedin-connection',
  kind: 'service',
  options: pluggedinOptionsSchema,
  deps: { logger: coreServices.logger, clock: coreServices.clock },
  provides: { connection: pluggedinConnectionToken },
  setup({ logger, clock }, options) {
    const resolved = resolvePluggedinOptions(options, 'pluggedin-connection');
    warnOnUnusualKey(resolved.apiKey, logger);
    const connection = new PluggedinConnection(resolved, { logger, clock }).retain();
    return { provides: { connection }, info: () => ({ ...connection.status() }), dispose: () => connection.release() };
  },
});

/** Each user holds its own reference to the shared connection and gives it back when it is disposed. */
const deps = { connection: pluggedinConnectionToken };

/** Servers from the plugged.in App (`GET /api/mcp-servers`), polled; plus the in-process discovery server. */
export const pluggedinSource = definePlugin({
  id: 'pluggedin-source',
  kind: 'config-source',
  options: pluggedinOptionsSchema,
  deps,
  setup({ connection }) {
    return createSource(connection.retain());
  },
});

/** Hides and refuses the tools switched off in the App (`GET /api/tools?status=INACTIVE`). */
export const pluggedinToolFilter = definePlugin({
  id: 'pluggedin-tools',
  kind: 'filter',
  options: pluggedinOptionsSchema,
  deps,
  setup({ connection }) {
    return createToolFilter(connection.retain());
  },
});

/** Reports discovered tools and call activity to the App, through a bounded queue. */
export const pluggedinReporter = definePlugin({
  id: 'pluggedin-reporter',
  kind: 'reporter',
  options: pluggedinOptionsSchema,
  deps,
  setup({ connection }) {
    return createReporter(connection.retain());
  },
});

/** The in-process server with `pluggedin_discover_tools` and the `<prefix>__instructions` prompts. */
export const pluggedinDiscovery = definePlugin({
  id: 'pluggedin-discovery',
  kind: 'transport',
  options: pluggedinOptionsSchema,
  deps,
  setup({ connection: shared }) {
    const connection = shared.retain();
    const connector = createDiscoveryConnector(connection);
    let released = false;
    return {
      connectors: [connector],
      async dispose() {
        if (released) return;
        released = true;
        await connector.closeAll();
        connection.release();
      },
    };
  },
});

/** Every plugin of the package; `["pluggedin", { apiKey }]` loads them all with the same options. */
const plugins: SwitchboardPlugin[] = [pluggedinConnection, pluggedinSource, pluggedinToolFilter, pluggedinReporter, pluggedinDiscovery];
export default plugins;
