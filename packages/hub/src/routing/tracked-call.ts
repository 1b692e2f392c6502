import type { CallKind } from '@mcp-switchboard/plugin-api';
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

/** Runs a forwarded call between call.started and call.finished events. */
export async function trackedCall(
  ctx: HubContext,
  session: RoutedSession,
  connection: ServerConnection,
  kind: CallKind,
  item: Pick<CatalogEntry, 'originalName' | 'exposedName'>,
  args: Record<string, unknown> | undefined,
  callId: string,
  run: () => Promise<LooseResult>,
): Promise<LooseResult> {
  const base = {
    callId,
    sessionId: session.id,
    server: connection.definition,
    kind,
    item: item.originalName,
    exposedName: item.exposedName,
    ...(args ? { arguments: args } : {}),
  };
  ctx.emit({ type: 'call.started', ...base, at: Date.now() });
  const startedAt = performance.now();
  try {
    const result = await run();
    const failed = kind === 'tool' && result.isError === true;
    const text = failed ? firstText(result) : undefined;
    ctx.emit({
      type: 'call.finished',
      ...base,
      success: !failed,
      ...(failed ? { error: text ?? 'the tool returned isError' } : {}),
      durationMs: Math.round(performance.now() - startedAt),
      at: Date.now(),
    });
    return result;
  } catch (error) {
    ctx.emit({
      type: 'call.finished',
      ...base,
      success: false,
      error: errorMessage(error),
      durationMs: Math.round(performance.now() - startedAt),
      at: Date.now(),
    });
    throw error;
  }
}
