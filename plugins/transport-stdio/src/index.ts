import { coreServices, definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import { StdioConnector } from './stdio-connector.js';
import { DEFAULT_KILL_GRACE_MS } from './stdio-process-transport.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './stdio-server-front-door.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, StdioUpstream } from './stdio-upstream.js';

export { StdioServerFrontDoor, DEFAULT_MAX_MESSAGE_BYTES } from './stdio-server-front-door.js';
export type { StdioServerFrontDoorOptions } from './stdio-server-front-door.js';
export { StdioProcessTransport, DEFAULT_KILL_GRACE_MS, SWITCHBOARD_CHAIN_ENV } from './stdio-process-transport.js';
export type { StdioProcessTransportOptions } from './stdio-process-transport.js';
export { StdioUpstream, DEFAULT_DRAIN_TIMEOUT_MS } from './stdio-upstream.js';
export type { StdioUpstreamOptions } from './stdio-upstream.js';
export { StdioConnector } from './stdio-connector.js';
export type { StdioConnectorOptions } from './stdio-connector.js';
export {
  killAllProcessGroups,
  processAlive,
  processGroupAlive,
  registeredProcessGroups,
} from './process-groups.js';

/** Options of the transport-stdio plugin (`["transport-stdio", { ... }]`). */
export const transportStdioOptionsSchema = z
  .object({
    /** Largest message a client may send on stdin, in bytes; longer lines are answered with -32600. */
    maxMessageBytes: z.number().int().min(1024).default(DEFAULT_MAX_MESSAGE_BYTES),
    /** Time between SIGTERM and SIGKILL when a stdio server is stopped. */
    killGraceMs: z.number().int().min(0).default(DEFAULT_KILL_GRACE_MS),
    /** On shutdown, how long requests already received may take to finish. */
    drainTimeoutMs: z.number().int().min(0).default(DEFAULT_DRAIN_TIMEOUT_MS),
    /** Redirect stray writes to stdout (console.log) to stderr while the stdio front door serves. */
    guardStdout: z.boolean().default(true),
  })
  .strict()
  .prefault({});

export type TransportStdioOptions = z.output<typeof transportStdioOptionsSchema>;

/**
 * stdio both ways: the `stdio` front door (the default: one client on our stdin/stdout) and the connector that
 * runs `stdio` servers as child processes.
 */
export const plugin = definePlugin({
  id: 'transport-stdio',
  kind: 'transport',
  options: transportStdioOptionsSchema,
  deps: { logger: coreServices.logger },
  setup({ logger }, options) {
    const { maxMessageBytes, killGraceMs, drainTimeoutMs, guardStdout } = transportStdioOptionsSchema.parse(options ?? {});
    const upstream = new StdioUpstream({
      logger: logger.child({ transport: 'stdio' }),
      maxMessageBytes,
      drainTimeoutMs,
      guardStdout,
    });
    const connector = new StdioConnector({ killGraceMs });
    return {
      upstream,
      connectors: [connector],
      async dispose() {
        await upstream.stop();
        await connector.closeAll();
      },
    };
  },
});

export default plugin;
