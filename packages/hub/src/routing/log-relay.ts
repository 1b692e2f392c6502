import type { Logger } from '@mcp-switchboard/plugin-api';
import type { RoutableConnection } from '../connections/routable-connection.js';
import { errorMessage } from '../util/rpc-error.js';
import type { LooseParams } from '../util/schemas.js';

/** What relaying a log message needs of a session. */
export interface LogSession {
  readonly id: string;
  readonly isInitialized: boolean;
  acceptsLog(level: unknown): boolean;
  /** Whether the session's view includes the server (and it is initialized). */
  sees(serverId: string): boolean;
  sendLog(params: LooseParams): void;
}

/**
 * A downstream log message, with the server's name added, goes to the session with a call in flight on that
 * server (related to that call), else to every session that sees the server. With calls of several sessions in
 * flight nothing says whose call it is about, and it may carry one client's data: it goes to nobody (our own log
 * keeps it) and the connection's sessions take turns from then on, as for sampling (SessionLanes.attribute).
 */
export function relayServerLog(connection: RoutableConnection, params: LooseParams, sessions: ReadonlyMap<string, LogSession>, logger: Logger): void {
  const name = connection.definition.name;
  const out: LooseParams =
    typeof params.logger === 'string' && params.logger.length > 0 ? { ...params, data: { server: name, data: params.data } } : { ...params, logger: name };
  const calls = connection.lanes.attribute('log');
  if (calls.length > 1) {
    logger.debug(`server "${connection.id}": a log message during calls of ${calls.length} sessions was kept back`, {
      server: connection.id,
      level: out.level,
    });
    return;
  }
  if (calls.length) {
    for (const call of calls) {
      const session = sessions.get(call.session.id);
      // A stateless request is no session of ours: it says itself whether it asked for logs (and at what level).
      const accepts = session ? session.isInitialized && session.acceptsLog(out.level) : call.session.acceptsLog?.(out.level) === true;
      if (!accepts) continue;
      call.extra
        .sendNotification({ method: 'notifications/message', params: out } as never)
        .catch((error: unknown) => logger.debug('log relay failed', { session: call.session.id, error: errorMessage(error) }));
    }
    return;
  }
  for (const session of sessions.values()) {
    if (session.sees(connection.id)) session.sendLog(out);
  }
}
