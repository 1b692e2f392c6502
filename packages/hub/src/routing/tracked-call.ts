import type { CallKind, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import type { CatalogEntry } from '../catalog/catalog.js';
import type { RoutableConnection as ServerConnection } from '../connections/routable-connection.js';
import type { HubContext } from '../context.js';
import { errorMessage } from '../util/rpc-error.js';
import { isRecord, type LooseResult } from '../util/schemas.js';
import type { RoutedSession } from './router.js';

function firstText(result: LooseResult): string | undefined {
  const content = result.content;
  if (!Array.isArray(content)) return undefined;
  for (const block of content) {
    if (isRecord(block) && block.type === 'text' && typeof block.text === 'string') return block.text.slice(0, 500);
  }
  return undefined;
}

/**
 * Runs a forwarded call between call.started and call.finished events (when anyone receives them). No async function and no spread of a shared
 * base: this runs for every call, and each event is one object literal.
 */
export function trackedCall(
  ctx: HubContext,
  session: RoutedSession,
  connection: ServerConnection,
  kind: CallKind,
  item: Pick<CatalogEntry, 'originalName' | 'exposedName'>,
  args: Record<string, unknown> | undefined,
  callId: string,
  run: () => Promise<LooseResult>,
): Promise<LooseResult> {
  // Nobody listens for call events (no reporter): the call's own promise is the answer, one reaction sooner.
  if (!ctx.wants('call.started') && !ctx.wants('call.finished')) {
    try {
      return run();
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const sessionId = session.id;
  const server = connection.definition;
  const { originalName, exposedName } = item;
  const started: SwitchboardEvent = { type: 'call.started', callId, sessionId, server, kind, item: originalName, exposedName, at: Date.now() };
  if (args) started.arguments = args;
  ctx.emit(started);
  const startedAt = performance.now();
  const finish = (success: boolean, error: string | undefined): void => {
    const finished: SwitchboardEvent = {
      type: 'call.finished',
      callId,
      sessionId,
      server,
      kind,
      item: originalName,
      exposedName,
      success,
      durationMs: Math.round(performance.now() - startedAt),
      at: Date.now(),
    };
    if (args) finished.arguments = args;
    if (error !== undefined) finished.error = error;
    ctx.emit(finished);
  };
  let running: Promise<LooseResult>;
  try {
    running = run();
  } catch (error) {
    running = Promise.reject(error);
  }
  return running.then(
    (result) => {
      const failed = kind === 'tool' && result.isError === true;
      finish(!failed, failed ? (firstText(result) ?? 'the tool returned isError') : undefined);
      return result;
    },
    (error: unknown) => {
      finish(false, errorMessage(error));
      throw error;
    },
  );
}
