import type { IncomingMessage, ServerResponse } from 'node:http';
import { messageTooDeep } from '@mcp-switchboard/plugin-api';
import { errorMessage, headerValue, RPC_INVALID_REQUEST, RPC_PARSE_ERROR, RPC_SERVER_ERROR, sendRpcError, type RpcId } from './http-replies.js';
import { BodyTooLargeError, readBody } from './read-body.js';

/** A request's JSON body, or `answered` when it was refused (413/415/400) and the response is already sent. */
export type JsonBody = { kind: 'json'; value: unknown } | { kind: 'answered' };

const ALREADY_READ = Buffer.alloc(0);

/** How much of an oversized body is read and thrown away (as a multiple of the limit) before the link is cut. */
const LINGER_FACTOR = 4;

/**
 * Answers 413 for a body over `limit`. First reads and discards the rest of the body so a client still uploading
 * can finish and then read the answer (answering first and closing the socket shows up on the client as EPIPE
 * instead of the 413). Past LINGER_FACTOR × limit the connection is dropped, so nobody can keep us busy with an
 * endless body.
 */
export async function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  if (await discardRest(req, LINGER_FACTOR * limit)) {
    sendRpcError(res, 413, RPC_SERVER_ERROR, `Payload Too Large: the request body exceeds ${limit} bytes`, {
      headers: { Connection: 'close' },
    });
  }
}

/** Resolves false when the connection was dropped. */
function discardRest(req: IncomingMessage, cap: number): Promise<boolean> {
  return new Promise((resolve) => {
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > cap) {
        req.socket.destroy();
        resolve(false);
      }
    });
    req.once('end', () => resolve(true));
    req.once('close', () => resolve(!req.socket.destroyed));
    req.resume();
  });
}

/**
 * Reads and parses a JSON body within `limit` bytes; on failure answers (413/415/400). A body nested too deeply
 * (messageTooDeep, shared with the stdio front door) is refused here, before anything walks it.
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<JsonBody> {
  const contentType = headerValue(req.headers['content-type']) ?? '';
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(contentType.trim())) {
    sendRpcError(res, 415, RPC_SERVER_ERROR, 'Unsupported Media Type: Content-Type must be application/json');
    return { kind: 'answered' };
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      await refuseTooLarge(req, res, limit);
      return { kind: 'answered' };
    }
    sendRpcError(res, 400, RPC_SERVER_ERROR, `Bad Request: ${errorMessage(error)}`);
    return { kind: 'answered' };
  }
  // The SDK gets the parsed body; its request adapter only needs to see the body as already read, so it gets an
  // empty one: the raw bytes are not kept for as long as the request runs (20 running calls of 3 MB held 60 MB).
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = ALREADY_READ;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    sendRpcError(res, 400, RPC_PARSE_ERROR, 'Parse error: Invalid JSON');
    return { kind: 'answered' };
  }
  const tooDeep = messageTooDeep(value);
  if (tooDeep !== undefined) {
    sendRpcError(res, 400, RPC_INVALID_REQUEST, tooDeep, { id: requestIdOf(value) });
    return { kind: 'answered' };
  }
  return { kind: 'json', value };
}

/** The id of a single request we may echo in an error; null for anything else (a batch, a notification). */
function requestIdOf(value: unknown): RpcId {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { id, method } = value as { id?: unknown; method?: unknown };
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number') ? id : null;
}
