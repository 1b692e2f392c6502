import type { CallKind, ReporterContribution, ServerCatalog, ServerDefinition, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import type { ActivityReport, ReportedTool } from './api-client.js';
import type { PluggedinConnection } from './connection.js';
import { ReportQueue, type ReportQueueStats } from './report-queue.js';
import { PLUGGEDIN_SOURCE } from './server-mapping.js';
import { shortHash, stableJson, errorMessage } from '@mcp-switchboard/plugin-api';

/** How long `flush()` waits for queued reports by default. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;

const ACTIONS: Record<CallKind, ActivityReport['action']> = {
  tool: 'tool_call',
  prompt: 'prompt_get',
  resource: 'resource_read',
};

/** The reporter's contribution, with its counters (for tests and a status command). */
export interface PluggedinReporter extends ReporterContribution {
  onEvent(event: SwitchboardEvent): void;
  flush(timeoutMs?: number): Promise<void>;
  stats(): ReportQueueStats;
}

function serverUuid(server: ServerDefinition): string | undefined {
  const uuid = server.meta?.uuid;
  return typeof uuid === 'string' && uuid ? uuid : undefined;
}

/** The tools of a catalog in the App's `POST /api/tools` shape. */
export function toReportedTools(uuid: string, catalog: ServerCatalog): ReportedTool[] {
  return catalog.tools.map((tool) => ({
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    toolSchema: tool.inputSchema ?? { type: 'object' },
    mcp_server_uuid: uuid,
    status: 'ACTIVE' as const,
  }));
}

/** A hash of what the App is told about a server's tools (order does not matter). */
export function toolsHash(tools: ReportedTool[]): string {
  const sorted = [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return shortHash(stableJson(sorted), 16);
}

/** The body of an activity report for a finished call. */
export function toActivityReport(event: Extract<SwitchboardEvent, { type: 'call.finished' }>): ActivityReport {
  const uuid = serverUuid(event.server);
  return {
    action: ACTIONS[event.kind],
    serverName: event.server.name,
    ...(uuid ? { serverUuid: uuid } : {}),
    itemName: event.item,
    success: event.success,
    ...(!event.success && event.error ? { errorMessage: event.error } : {}),
    executionTime: Math.max(0, Math.round(event.durationMs)),
  };
}

/**
 * Reports to the App off the hot path: the tools of each plugged.in server (once per change, by hash) and one
 * activity entry per finished call. `onEvent` only enqueues; one worker (concurrency 2) sends.
 */
export function createReporter(connection: PluggedinConnection): PluggedinReporter {
  const { options, logger, client } = connection;
  const queue = new ReportQueue({ size: options.queueSize, concurrency: 2, logger });
  /** Per server uuid: the hash the App has, and the hash queued or in flight. */
  const reported = new Map<string, string>();
  const pending = new Map<string, string>();
  let released = false;

  function onDiscovered(server: ServerDefinition, catalog: ServerCatalog): void {
    if (!options.reportTools || server.source !== PLUGGEDIN_SOURCE) return;
    const uuid = serverUuid(server);
    if (!uuid) return;
    const tools = toReportedTools(uuid, catalog);
    if (tools.length === 0) return; // the App refuses an empty list, and there is nothing to report
    const hash = toolsHash(tools);
    if ((pending.get(uuid) ?? reported.get(uuid)) === hash) return;
    pending.set(uuid, hash);
    const forget = () => {
      if (pending.get(uuid) === hash) pending.delete(uuid);
    };
    queue.push({
      describe: `reporting ${tools.length} tool(s) of "${server.name}"`,
      async run(signal) {
        try {
          const result = await client.reportTools(tools, { signal });
          reported.set(uuid, hash);
          if (result.failureCount > 0) {
            const first = result.errors[0]?.error;
            logger.warn(
              `plugged.in App refused ${result.failureCount} of the ${tools.length} tool(s) reported for "${server.name}"${first ? `: ${first}` : ''}`,
            );
          } else {
            logger.debug(`reported ${tools.length} tool(s) of "${server.name}" to plugged.in`);
          }
        } finally {
          forget();
        }
      },
      dropped: forget,
    });
  }

  function onCallFinished(event: Extract<SwitchboardEvent, { type: 'call.finished' }>): void {
    if (!options.activity) return;
    const report = toActivityReport(event);
    queue.push({
      describe: `the activity report of ${report.action} ${report.itemName ?? ''} on "${report.serverName}"`,
      run: (signal) => client.reportActivity(report, { signal }),
    });
  }

  return {
    onEvent(event: SwitchboardEvent): void {
      try {
        if (event.type === 'server.discovered') onDiscovered(event.server, event.catalog);
        else if (event.type === 'call.finished') onCallFinished(event);
      } catch (error) {
        logger.error('plugged.in reporter could not queue an event', { error: errorMessage(error) });
      }
    },
    async flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<void> {
      await queue.flush(timeoutMs);
    },
    stats: () => queue.stats(),
    dispose(): void {
      if (released) return;
      released = true;
      queue.close();
      connection.release();
    },
  };
}
