import type { DirectOutcome } from '../connections/direct-requests.js';
import type { UpstreamExtra } from '../connections/session-lanes.js';
import type { HubContext } from '../context.js';
import { isRecord, type LooseParams } from '../util/schemas.js';
import { guardCall } from './call-pipeline.js';
import { forwardOptions, toolCallParams } from './forward-options.js';
import type { RoutedSession } from './router.js';

/**
 * A tools/call whose outcome goes to `done` in the same tick the server's answer is read, when nothing on its way
 * needs a promise: the name is in the catalog (not virtual), no middleware is configured, nobody receives call
 * events, and its server can relay it now (RoutableConnection.canRelay). False, with nothing done: the router's
 * pipeline (`Router.callTool`) takes it. What the client gets is what the pipeline gives, refusals and errors
 * included; the filters run here as there (an asynchronous one, or a refusal, goes on with promises).
 */
export function relayToolCall(
  ctx: HubContext,
  session: RoutedSession,
  params: LooseParams,
  extra: UpstreamExtra,
  done: (outcome: DirectOutcome) => void,
): boolean {
  const name = params.name;
  if (typeof name !== 'string' || ctx.middleware.entries.length > 0 || ctx.wants('call.started') || ctx.wants('call.finished')) return false;
  const snapshot = session.snapshot();
  const entry = snapshot.toolsByName.get(name);
  const connection = entry && !entry.virtual ? ctx.connection(entry.serverId) : undefined;
  if (!entry || !connection?.servesLists) return false;
  const options = forwardOptions(ctx, session, extra, `tools/call "${entry.originalName}"`, params, entry.originalName);
  if (!connection.canRelay(options)) return false;
  snapshot.giveOutNames();
  const args = isRecord(params.arguments) ? params.arguments : undefined;
  const guarded = guardCall(ctx, { sessionId: session.id, entry, server: connection.definition, arguments: args });
  // Filters only let a call through or refuse it: the arguments the server gets are the client's.
  const sent = toolCallParams(params, entry.originalName, args);
  if (guarded === undefined) {
    connection.relay('tools/call', sent, options, done);
    return true;
  }
  guarded
    .then((refusal) => refusal ?? connection.forward('tools/call', sent, options))
    .then(
      (result) => done({ ok: true, result }),
      (error: unknown) => done({ ok: false, error }),
    );
  return true;
}
