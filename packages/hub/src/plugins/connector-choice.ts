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

/** The connectors' driver (a bare list gets one with made-up ids). */
export function driverOfConnectors(connectors: Connectors): PluginDriver<DownstreamConnector> {
  return connectors instanceof PluginDriver ? connectors : new PluginDriver(withPluginIds('connector', connectors));
}

/**
 * The first connector for the server's transport type that accepts it (a plugin may claim only its own
 * servers). A connector whose `accepts()` throws is that plugin's bug: logged with its id, and it does not take
 * the server.
 */
export function chooseConnector(
  connectors: Connectors,
  server: ServerDefinition,
  logger: Logger,
): Contributed<DownstreamConnector> | undefined {
  const driver = driverOfConnectors(connectors);
  return driver.entries.find((entry) => {
    if (!entry.contribution.types.includes(server.transport)) return false;
    try {
      return driver.callSync(entry, 'accepts', server) ?? true;
    } catch (error) {
      logger.error(`connector of plugin "${entry.pluginId}" failed in accepts() for server "${server.id}"; it is passed over`, { server: server.id, ...hookFields(error) });
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
    return (await driverOfConnectors(connectors).call(entry, 'connect', server, context))!;
  } catch (error) {
    throw error instanceof PluginHookError ? error.cause : error;
  }
}

/** The transport types the loaded connectors serve, for "no connector" messages. */
export function connectorTypes(connectors: Connectors): string[] {
  return [...new Set(driverOfConnectors(connectors).entries.flatMap((entry) => entry.contribution.types))];
}
