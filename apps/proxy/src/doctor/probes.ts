import type { DownstreamConnector, Logger, ServerDefinition, Transport } from '@mcp-switchboard/plugin-api';

/** What doctor saw of one server's last connection attempt. */
export interface Probe {
  server: ServerDefinition;
  /** Errors raised on the way: the connector's, the transport's start/send rejections and onerror reports. */
  errors: unknown[];
  /** The server's last stderr lines (stdio servers). */
  stderr: string[];
  /** The link's transport, to read a stdio server's exit code after the fact. */
  transport: Transport | undefined;
}

const STDERR_LINES = 20;

/** A logger that forwards everything and keeps the lines a stdio transport logs from the server's stderr. */
function tapLogger(logger: Logger, onStderr: (line: string) => void): Logger {
  const tap =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (fields?.stream === 'stderr') onStderr(message);
      logger[level](message, fields);
    };
  return {
    trace: tap('trace'),
    debug: tap('debug'),
    info: tap('info'),
    warn: tap('warn'),
    error: tap('error'),
    child: (bindings) => tapLogger(logger.child(bindings), onStderr),
  };
}

/**
 * The transport as it is, except that failures of start() and send() and onerror reports are also recorded.
 * A Proxy, so getters such as `sessionId` and a stdio transport's `exitCode` still answer.
 */
function tapTransport(transport: Transport, record: (error: unknown) => void): Transport {
  return new Proxy(transport, {
    get(target, prop) {
      if (prop === 'start' || prop === 'send') {
        const method = Reflect.get(target, prop, target) as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          try {
            return await method.apply(target, args);
          } catch (error) {
            record(error);
            throw error;
          }
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(target, prop, value) {
      if (prop === 'onerror' && typeof value === 'function') {
        const handler = value as (error: Error) => void;
        target.onerror = (error: Error) => {
          record(error);
          handler(error);
        };
        return true;
      }
      return Reflect.set(target, prop, value, target);
    },
  });
}

/** Wraps the hub's connectors so `doctor` can explain a failure: spawn errors, exit codes, stderr, HTTP errors. */
export class ConnectionProbes {
  readonly #probes = new Map<string, Probe>();

  get(serverId: string): Probe | undefined {
    return this.#probes.get(serverId);
  }

  wrap(connectors: DownstreamConnector[]): DownstreamConnector[] {
    return connectors.map((connector) => {
      const wrapped: DownstreamConnector = {
        types: connector.types,
        connect: async (server, context) => {
          const probe: Probe = { server, errors: [], stderr: [], transport: undefined };
          this.#probes.set(server.id, probe);
          const logger = tapLogger(context.logger, (line) => {
            probe.stderr.push(line);
            if (probe.stderr.length > STDERR_LINES) probe.stderr.shift();
          });
          try {
            const link = await connector.connect(server, { ...context, logger });
            probe.transport = link.transport;
            const transport = tapTransport(link.transport, (error) => probe.errors.push(error));
            return {
              transport,
              get pid() {
                return link.pid;
              },
            };
          } catch (error) {
            probe.errors.push(error);
            throw error;
          }
        },
      };
      if (connector.accepts) wrapped.accepts = (server) => connector.accepts!(server);
      if (connector.watchCredentials) wrapped.watchCredentials = (server, onChange) => connector.watchCredentials!(server, onChange);
      return wrapped;
    });
  }
}
