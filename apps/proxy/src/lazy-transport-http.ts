import {
  coreServices,
  definePlugin,
  type ConfigService,
  type DownstreamConnector,
  type ServerTransportType,
  type SwitchboardPlugin,
  type TransportContribution,
  type UpstreamTransport,
} from '@mcp-switchboard/plugin-api';
import { httpOptionsSchema, parseHttpBlock, resolveHttpSettings } from '@mcp-switchboard/plugin-transport-http/options';

const connectorTypes: readonly ServerTransportType[] = ['streamable-http', 'sse', 'websocket'];

/**
 * The HTTP transport plugin (`transport-http`), loaded on first use. Its code (the SDK's HTTP server and
 * clients, `ws`, the front door) is a good part of what the CLI would load at start, and a stdio run with only
 * stdio servers never needs it. This stand-in has the same id, options and deps; it validates the config's
 * `http` block at set-up as the plugin does (a bad block still fails the start), and imports the real plugin
 * when the front door starts or a server needs an HTTP connector, setting it up with the same deps, options
 * and the configuration of set-up time.
 */
export const lazyTransportHttp: SwitchboardPlugin = definePlugin({
  id: 'transport-http',
  kind: 'transport',
  options: httpOptionsSchema.prefault({}),
  deps: { logger: coreServices.logger, config: coreServices.config },
  setup(deps, options) {
    const current = deps.config.current as typeof deps.config.current & { http?: unknown };
    const http = parseHttpBlock(current.http, deps.config.filepath);
    resolveHttpSettings({ host: current.host, port: current.port, http, options: options ?? {} });
    // The real set-up reads the configuration as it is now, not as a later reload leaves it.
    const live = deps.config;
    const filepath = live.filepath;
    const config: ConfigService = { current, filepath, onChange: (listener) => live.onChange(listener) };
    let loaded: TransportContribution | undefined;
    let loading: Promise<TransportContribution> | undefined;
    const load = (): Promise<TransportContribution> =>
      (loading ??= import('@mcp-switchboard/plugin-transport-http').then(async ({ plugin }) => {
        loaded = (await plugin.setup({ ...deps, config }, options)) as TransportContribution;
        return loaded;
      }));

    const upstream: UpstreamTransport = {
      name: 'streamable-http',
      async start(host) {
        await (await load()).upstream!.start(host);
      },
      async stop() {
        if (loading) await (await loading).upstream!.stop();
      },
      describe: () => loaded?.upstream?.describe?.() ?? 'streamable-http',
    };
    const realConnector = (contribution: TransportContribution, type: ServerTransportType) =>
      contribution.connectors?.find((connector) => connector.types.includes(type));
    const connectors: DownstreamConnector[] = connectorTypes.map((type) => ({
      types: [type],
      async connect(server, context) {
        const real = realConnector(await load(), type);
        if (!real) throw new Error(`transport-http provides no "${type}" connector`);
        return real.connect(server, context);
      },
      // Asked after a connect failed (so the plugin is loaded by then); otherwise it starts watching once loaded.
      watchCredentials(server, onChange) {
        if (loaded) return realConnector(loaded, type)?.watchCredentials?.(server, onChange) ?? (() => undefined);
        let stop: (() => void) | undefined;
        let stopped = false;
        load().then(
          (contribution) => {
            if (!stopped) stop = realConnector(contribution, type)?.watchCredentials?.(server, onChange);
          },
          () => undefined,
        );
        return () => {
          stopped = true;
          stop?.();
        };
      },
    }));
    return {
      upstream,
      connectors,
      async dispose() {
        if (loading) await (await loading).dispose?.();
      },
    };
  },
});
