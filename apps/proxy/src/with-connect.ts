import type { DownstreamConnector } from '@mcp-switchboard/plugin-api';

/**
 * `connector` with its `connect` replaced by `connect`; everything else (accepts, watchCredentials, probeHeaders,
 * whatever a connector adds later) stays the connector's own, called on it.
 */
export function withConnect(connector: DownstreamConnector, connect: DownstreamConnector['connect']): DownstreamConnector {
  return new Proxy(connector, {
    get(target, prop) {
      if (prop === 'connect') return connect;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
