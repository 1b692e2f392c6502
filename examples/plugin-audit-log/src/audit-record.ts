import type { SwitchboardEvent } from '@mcp-switchboard/plugin-api';

/** One line of the audit file. Argument values are never recorded: only their names. */
export interface AuditRecord {
  /** When the call finished, ISO 8601 (UTC). */
  time: string;
  /** The upstream client session that made the call. */
  session: string;
  /** The downstream server's id. */
  server: string;
  /** The tool's original (downstream) name. */
  tool: string;
  durationMs: number;
  success: boolean;
  /** The error message, when the call failed. */
  error?: string;
  /** The names of the arguments the client passed, sorted. Never their values. */
  argumentKeys: string[];
}

type CallFinished = Extract<SwitchboardEvent, { type: 'call.finished' }>;

/** The audit record for a finished tool call; undefined for every other event. */
export function toAuditRecord(event: SwitchboardEvent): AuditRecord | undefined {
  if (event.type !== 'call.finished' || event.kind !== 'tool') return undefined;
  return recordOf(event);
}

function recordOf(event: CallFinished): AuditRecord {
  const record: AuditRecord = {
    time: isoTime(event.at),
    session: event.sessionId,
    server: event.server.id,
    tool: event.item,
    durationMs: event.durationMs,
    success: event.success,
    argumentKeys: argumentKeys(event.arguments),
  };
  if (event.error !== undefined) record.error = event.error;
  return record;
}

function isoTime(at: number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}

function argumentKeys(args: Record<string, unknown> | undefined): string[] {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return [];
  return Object.keys(args).sort();
}
