import { SwitchboardError, type FilterContribution, type ServerDefinition, type ToolCallContext } from '@mcp-switchboard/plugin-api';
import type { PluggedinConnection } from './connection.js';

/**
 * Hides the tools a user switched off in the App (`GET /api/tools?status=INACTIVE`, matched by the server's
 * uuid and the tool's original name) and refuses calls to them. The set is refreshed by the shared poll loop;
 * `onChange` fires when it changes so the catalog is rebuilt. Decisions are in-memory lookups: no request per
 * `tools/list` or per call.
 */
export function createToolFilter(connection: PluggedinConnection): FilterContribution {
  connection.enableInactiveTools();
  let released = false;
  return {
    tool(server: ServerDefinition, tool: { name: string }): boolean {
      return !connection.isInactive(server, tool.name);
    },
    beforeToolCall(call: ToolCallContext): void {
      if (!connection.isInactive(call.server, call.tool)) return;
      throw new SwitchboardError('SWB_TOOL_DENIED', `tool "${call.exposedName}" (${call.tool} on ${call.server.name}) is switched off in the plugged.in App`, {
        fix: 'Switch the tool on in the plugged.in App (MCP Servers > the server > Tools); Switchboard picks the change up at the next poll.',
        details: { server: call.server.id, tool: call.tool },
      });
    },
    onChange(listener: () => void): () => void {
      const unsubscribe = connection.onInactiveChanged(listener);
      const stopPolling = connection.poll();
      return () => {
        unsubscribe();
        stopPolling();
      };
    },
    dispose(): void {
      if (released) return;
      released = true;
      connection.release();
    },
  };
}
