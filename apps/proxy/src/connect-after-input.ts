import type { DownstreamConnector } from '@mcp-switchboard/plugin-api';
import { withConnect } from './with-connect.js';

/** Two turns of the event loop: the first reaches the poll phase after the front door started reading, the second
 * runs after it. */
const afterPendingInput = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * Connectors that let input already waiting be read first: a client that wrote `initialize` as it started the proxy
 * gets its answer before the first server is spawned (a spawn, and a child starting on the other core, took 15–30
 * ms of the answer's time). The answer never waited for servers (instructions are those of the servers ready when
 * it is made, and lists wait for the start-up budget), so nothing else changes: servers start two loop turns later.
 */
export function connectAfterPendingInput(connectors: DownstreamConnector[]): DownstreamConnector[] {
  return connectors.map((connector) => {
    const connect: DownstreamConnector['connect'] = async (server, context) => {
      await afterPendingInput();
      return connector.connect(server, context);
    };
    return withConnect(connector, connect);
  });
}
