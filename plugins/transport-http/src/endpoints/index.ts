import type { FrontDoorServices, HttpEndpoint } from '../endpoint.js';
import { healthEndpoints } from './health.js';
import { legacySseEndpoints } from './legacy-sse.js';
import { statelessEndpoint } from './stateless.js';
import { streamableHttpEndpoint } from './streamable-http.js';

/**
 * The front door's endpoints in the order they are asked (first match handles the request). Special cases go in
 * front of the general ones: `stateless` (when `http.stateless` is set) takes `/mcp` before the session-based
 * Streamable HTTP endpoint would.
 */
export function frontDoorEndpoints(services: FrontDoorServices): HttpEndpoint[] {
  return [statelessEndpoint(services), streamableHttpEndpoint(services), ...legacySseEndpoints(services), ...healthEndpoints(services)];
}
