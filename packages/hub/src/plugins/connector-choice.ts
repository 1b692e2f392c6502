import {
  PluginDriver,
  PluginHookError,
  withPluginIds,
  type ConnectContext,
  type Contributed,
  type DownstreamConnector,
  type DownstreamLink,
  type Logger,
  type ServerDefinition,
} from '@mcp-switchboard/plugin-api';
import { hookFields } from './hub-plugins.js';

/** Connectors as a connection gets them: behind their driver (the hub), or a bare list (unit tests). */
export type Connectors = PluginDriver<DownstreamConnector> | readonly DownstreamConnector[];

function driverOf(connectors: Connectors): PluginDriver<DownstreamConnector> {
  return connectors instanceof PluginDriver ? connectors : new PluginDriver(withPluginIds('connector', connectors));
}

/**
 * The first connector for the server's transport type that accepts it (a plugin may claim only its own
 * servers). A connector whose `accepts()` throws is that plugin's bug: logged with its id, and it does not take
 * the server.
 */
export function chooseConnector(connectors: Connectors, server: ServerDefinition, logger: Logger): Contributed<DownstreamConnector> | undefined {
  const driver = driverOf(connectors);
  return driver.entries.find((entry) => {
    if (!entry.contribution.types.includes(server.transport)) return false;
    try {
      return driver.callSync(entry, 'accepts', server) ?? true;
    } catch (error) {
      logger.error(`connector of plugin "${entry.pluginId}" failed in accepts() for server "${server.id}"; it is passed over`, {
        server: server.id,
        ...hookFields(error),
      });
      return false;
    }
  });
}

/**
 * Opens a link through the connector's `connect()`. Its failure describes the server (a missing command, a
 * refused connection), not the plugin: the connector's own error is passed on as it is, so the server's state
 * and supervision read it unchanged.
 */
export async function connectThrough(
  connectors: Connectors,
  entry: Contributed<DownstreamConnector>,
  server: ServerDefinition,
  context: ConnectContext,
): Promise<DownstreamLink> {
  try {
    return (await driverOf(connectors).call(entry, 'connect', server, context))!;
  } catch (error) {
    throw error instanceof PluginHookError ? error.cause : error;
  }
}

/**
 * Asks the connector to tell when the server's stored credentials change (`watchCredentials`, optional). A
 * connector whose hook throws is logged with its plugin's id and watches nothing. Returns the stop function.
 */
export function watchCredentialsThrough(
  connectors: Connectors,
  entry: Contributed<DownstreamConnector>,
  server: ServerDefinition,
  onChange: () => void,
  logger: Logger,
): () => void {
  try {
    return driverOf(connectors).callSync(entry, 'watchCredentials', server, onChange) ?? (() => undefined);
  } catch (error) {
    logger.error(`connector of plugin "${entry.pluginId}" failed in watchCredentials() for server "${server.id}"`, { server: server.id, ...hookFields(error) });
    return () => undefined;
  }
}

/**
 * The headers the connector adds to an era probe (`probeHeaders`, optional): none when it has no such hook or its
 * hook fails (logged with its plugin's id; the probe then goes without them and gives no verdict on a 401).
 */
export async function probeHeadersThrough(
  connectors: Connectors,
  entry: Contributed<DownstreamConnector>,
  server: ServerDefinition,
  logger: Logger,
): Promise<Record<string, string>> {
  try {
    return (await driverOf(connectors).call(entry, 'probeHeaders', server)) ?? {};
  } catch (error) {
    logger.warn(`connector of plugin "${entry.pluginId}" failed in probeHeaders() for server "${server.id}"`, { server: server.id, ...hookFields(error) });
    return {};
  }
}

/** The transport types the loaded connectors serve, for "no connector" messages. */
export function connectorTypes(connectors: Connectors): string[] {
  return [...new Set(driverOf(connectors).entries.flatMap((entry) => entry.contribution.types))];
}
