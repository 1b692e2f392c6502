import type { FrontDoorServices, HttpEndpoint } from '../endpoint.js';
import { healthEndpoints } from './health.js';
import { legacySseEndpoints } from './legacy-sse.js';
import { modernEndpoint } from './modern.js';
import { statelessEndpoint } from './stateless.js';
import { streamableHttpEndpoint } from './streamable-http.js';

/**
 * The front door's endpoints in the order they are asked (first match handles the request). Special cases go in
 * front of the general ones: `mcp-2026` takes the MCP 2026-07-28 requests of `/mcp` first (per request, by era),
 * then `stateless` (when `http.stateless` is set) takes `/mcp` before the session-based Streamable HTTP endpoint
 * would.
 */
export function frontDoorEndpoints(services: FrontDoorServices): HttpEndpoint[] {
  return [
    modernEndpoint(services),
    statelessEndpoint(services),
    streamableHttpEndpoint(services),
    ...legacySseEndpoints(services),
    ...healthEndpoints(services),
  ];
}
