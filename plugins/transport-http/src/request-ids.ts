import type { ServerResponse } from 'node:http';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { RPC_INVALID_REQUEST, sendRpcError } from './http-replies.js';
import type { TrackedServerTransport } from './tracked-transport.js';

/** The ids of the requests (messages with a `method` and a string or number `id`) in a JSON body or batch. */
export function requestIdsOf(body: unknown): RequestId[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: RequestId[] = [];
  for (const message of messages) {
    if (typeof message !== 'object' || message === null || typeof (message as { method?: unknown }).method !== 'string') continue;
    const id = (message as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') ids.push(id);
  }
  return ids;
}

/**
 * A session's request ids are unique while the requests run: a POST that reuses the id of a request of the same
 * session still unanswered (or repeats an id within its batch) is refused with 400 and a JSON-RPC -32600 error
 * naming the id; the running request keeps its id and still gets its own answer. Otherwise the ids are claimed
 * until the response closes. Returns false when the POST was refused.
 */
export function claimRequestIds(transport: TrackedServerTransport, body: unknown, res: ServerResponse): boolean {
  const ids = requestIdsOf(body);
  if (ids.length === 0) return true;
  const duplicate = transport.claim(ids);
  if (duplicate !== undefined) {
    sendRpcError(
      res,
      400,
      RPC_INVALID_REQUEST,
      `Invalid Request: request id ${JSON.stringify(duplicate)} is already in use by a request of this session that has not been answered; use a new id`,
      { id: Array.isArray(body) ? null : duplicate },
    );
    return false;
  }
  res.once('close', () => transport.release(ids));
  return true;
}
