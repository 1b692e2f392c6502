import type { Logger } from '@mcp-switchboard/plugin-api';
import type { ClientRequest } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMEOUT_MS } from '../util/deferred.js';
import { errorMessage } from '../util/rpc-error.js';
import { LooseResultSchema } from '../util/schemas.js';
import type { OpenLink } from './link-opener.js';
import type { StandingRequests } from './standing-requests.js';

/** After a new link: the last log level a client set and every resource subscription still held. */
export async function reapplyStanding(
  open: OpenLink,
  standing: StandingRequests,
  link: { id: string; requestMs: number; logger: Logger; current: () => boolean },
): Promise<void> {
  const { id, logger } = link;
  await Promise.all(
    standing.toApply(open.era.era === 'legacy' ? open.capabilities : undefined).map((request) =>
      open.client
        .request({ method: request.method, params: request.params } as ClientRequest, LooseResultSchema, {
          timeout: Math.min(link.requestMs, MAX_TIMEOUT_MS),
        })
        .catch((error: unknown) => {
          if (!link.current()) return;
          logger.warn(`server "${id}": could not re-apply ${request.method} after a start`, {
            server: id,
            params: request.params,
            error: errorMessage(error),
          });
        }),
    ),
  );
}
