import type { Hub } from '@mcp-switchboard/hub';
import type { SecretRedactor } from '@mcp-switchboard/kernel';
import type { ServerHealth, UpstreamHost } from '@mcp-switchboard/plugin-api';

/**
 * The host a front door gets: the hub, with `servers()` (for `/health?detail=1`) scrubbed of every secret the
 * process knows. When the hub does not report health itself, it is derived from `hub.status()`.
 */
export function frontDoorHost(hub: Hub, secrets: SecretRedactor): UpstreamHost {
  const own = (hub as Partial<UpstreamHost>).servers;
  const health = (): ServerHealth[] =>
    typeof own === 'function'
      ? own.call(hub)
      : hub.status().map((s) => ({ id: s.id, state: s.state, tools: s.tools, restarts: 0, ...(s.error !== undefined ? { error: s.error } : {}) }));
  return {
    connect: (transport, options) => hub.connect(transport, options),
    profiles: () => hub.profiles(),
    isReady: () => hub.isReady(),
    requestShutdown: (reason) => hub.requestShutdown(reason),
    serveStateless: (request, options) => hub.serveStateless(request, options),
    servers: () =>
      health().map((s) => ({
        ...s,
        id: secrets.redact(s.id),
        ...(s.error !== undefined ? { error: secrets.redact(s.error) } : {}),
      })),
  };
}
