import { unsetVariablesOf } from '@mcp-switchboard/kernel';
import { SwitchboardError, type ConfigService, type DownstreamConnector } from '@mcp-switchboard/plugin-api';
import { withConnect } from './with-connect.js';

/**
 * Connectors that refuse to start a config-file server whose entry uses a `${VAR}` that is not set: that server
 * fails with SWB_CONFIG_ENV_MISSING (shown in list, doctor and /health) while every other server starts.
 */
export function refuseUnsetVariables(connectors: DownstreamConnector[], config: ConfigService): DownstreamConnector[] {
  return connectors.map((connector) => {
    const connect: DownstreamConnector['connect'] = async (server, context) => {
      const unset = server.source === 'file' ? unsetVariablesOf(config.current.mcpServers?.[server.id]) : undefined;
      if (unset) {
        const names = [...new Set(unset.map((u) => u.variable))];
        throw new SwitchboardError(
          'SWB_CONFIG_ENV_MISSING',
          `environment variable${names.length > 1 ? 's' : ''} ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not set (used at ${unset.map((u) => u.at).join(', ')}${config.filepath ? ` in ${config.filepath}` : ''})`,
          { details: { server: server.id, variables: names } },
        );
      }
      return connector.connect(server, context);
    };
    return withConnect(connector, connect);
  });
}
