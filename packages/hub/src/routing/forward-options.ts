import type { ForwardOptions } from '../connections/request-forwarder.js';
import type { UpstreamExtra } from '../connections/session-lanes.js';
import type { HubContext } from '../context.js';
import { errorMessage } from '../util/rpc-error.js';
import { isRecord, type LooseParams } from '../util/schemas.js';
import type { RoutedSession } from './router.js';

/** The params of a tools/call as the server gets them: its own tool name, the arguments as the plugins left them. */
export function toolCallParams(params: LooseParams, name: string, args: Record<string, unknown> | undefined): LooseParams {
  // A spread, not a rest pattern: V8 clones a plain object fast and copies one with keys left out slowly.
  if (args) return { ...params, name, arguments: args };
  const { arguments: _given, ...rest } = params;
  return { ...rest, name };
}

/**
 * How a client's request is forwarded: its label for errors (`tools/call "echo"`), its cancellation, the session it
 * came from, the tool whose time limits apply, and the client's progress token for the server's progress.
 */
export function forwardOptions(
  ctx: HubContext,
  session: RoutedSession,
  extra: UpstreamExtra,
  label: string,
  params: LooseParams,
  tool?: string,
): ForwardOptions {
  const meta = isRecord(params._meta) ? params._meta : undefined;
  const clientToken = meta?.progressToken;
  const relay =
    typeof clientToken === 'string' || typeof clientToken === 'number'
      ? (progress: Record<string, unknown>) => {
          extra
            .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken: clientToken } as never })
            .catch((error: unknown) => ctx.logger.debug('progress relay failed', { error: errorMessage(error) }));
        }
      : undefined;
  const options: ForwardOptions = { label, signal: extra.signal, origin: { session, extra } };
  if (relay) options.onProgress = relay;
  if (tool !== undefined) options.tool = tool;
  return options;
}
