import type { ServerState } from '@mcp-switchboard/plugin-api';
import { ErrorCode, switchboardRpcError, type RpcError } from '../util/rpc-error.js';

/** What the "server unavailable" errors say about a server: its id, public state and last error. */
export interface ServerCondition {
  readonly id: string;
  readonly state: ServerState;
  /** Why it is failed or restarting (already redacted). */
  readonly error: string | undefined;
  /** When the next start attempt is due, if one is. */
  readonly nextRetryAt: number | undefined;
}

/** Why a request could not be served by its server. */
export type Unavailability =
  /** Not ready, and it will not be soon (failed, stopped, disabled). */
  | { kind: 'down' }
  /** The server went away (crashed, stopped, restarted) while the request was in flight. */
  | { kind: 'went-away'; during: string }
  /** The link failed under the request (a write on a dying pipe, a dropped HTTP stream); `reason` is redacted. */
  | { kind: 'unreachable'; during: string; reason: string }
  /** A call waited for a restarting or starting server and gave up; `detail` says where the restart stands. */
  | { kind: 'gave-up'; waitedMs: number; detail: string; attempt?: number };

/**
 * The one builder of `SWB_SERVER_UNAVAILABLE`: every way a request can miss its server, with the server named,
 * its state, and what is known about why.
 */
export function serverUnavailable(server: ServerCondition, why: Unavailability): RpcError {
  const { id, state, error, nextRetryAt } = server;
  const retry = nextRetryAt !== undefined ? { nextRetryAt } : {};
  const reason = error ? `: ${error}` : '';
  switch (why.kind) {
    case 'down':
      return switchboardRpcError(ErrorCode.InternalError, 'SWB_SERVER_UNAVAILABLE', `Server "${id}" is not available (state: ${state})${reason}`, {
        server: id,
        state,
        ...retry,
      });
    case 'went-away':
      return switchboardRpcError(
        ErrorCode.InternalError,
        'SWB_SERVER_UNAVAILABLE',
        `Server "${id}" went away during ${why.during} (state: ${state})${reason}`,
        { server: id, state },
      );
    case 'unreachable':
      return switchboardRpcError(ErrorCode.InternalError, 'SWB_SERVER_UNAVAILABLE', `Server "${id}" could not be reached during ${why.during}: ${why.reason}`, {
        server: id,
        state,
      });
    case 'gave-up': {
      const last = error ? `. Last error: ${error}` : '';
      return switchboardRpcError(
        ErrorCode.InternalError,
        'SWB_SERVER_UNAVAILABLE',
        `Server "${id}" is ${state}${why.detail}; gave up after ${why.waitedMs} ms${last}`,
        { server: id, state, waitedMs: why.waitedMs, ...(why.attempt !== undefined ? { attempt: why.attempt } : {}), ...retry },
      );
    }
  }
}
