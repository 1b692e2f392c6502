import type { ConnectContext, DownstreamConnector, DownstreamLink, ServerDefinition } from '@mcp-switchboard/plugin-api';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, GetPromptRequestSchema, ListPromptsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { PluggedinApiError } from './api-client.js';
import type { PluggedinConnection } from './connection.js';
import { stableJson, errorMessage } from '@mcp-switchboard/plugin-api';

/** The name of the discovery tool (as the original proxy named it). */
export const DISCOVER_TOOL_NAME = 'pluggedin_discover_tools';

function text(value: string, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: value }], ...(isError ? { isError: true } : {}) };
}

/** What the discovery tool answers when the App refused or failed. */
export function discoveryErrorText(error: unknown): string {
  if (error instanceof PluggedinApiError && error.status === 429) {
    const seconds = error.retryAfterMs !== undefined ? Math.max(1, Math.ceil(error.retryAfterMs / 1000)) : undefined;
    const when = seconds !== undefined ? `try again in ${seconds} s (Retry-After)` : 'try again later';
    return `plugged.in is rate limiting discovery: ${when}.${error.appError ? ` The App said: ${error.appError}` : ''}`;
  }
  if (error instanceof PluggedinApiError && error.status === 404) {
    return `plugged.in does not know that server: ${error.appError ?? error.message}. Call ${DISCOVER_TOOL_NAME} without server_uuid to discover every server.`;
  }
  return `plugged.in discovery failed: ${errorMessage(error)}`;
}

/**
 * Builds the in-process MCP server of the plugged.in plugin: the tool `pluggedin_discover_tools` and one prompt
 * `<prefix>__instructions` per App server with custom instructions (kept in sync with the server list; clients
 * get `prompts/list_changed`). Returns the server and a function that detaches it from the connection.
 */
export function createDiscoveryServer(connection: PluggedinConnection): { server: McpServer; detach: () => void } {
  const server = new McpServer(
    { name: 'plugged.in', version: '1.0.0' },
    {
      capabilities: { tools: { listChanged: true }, prompts: { listChanged: true } },
      instructions: `Tools and prompts of the plugged.in App (${connection.options.baseUrl}). Call ${DISCOVER_TOOL_NAME} after adding or changing servers in the App.`,
    },
  );

  server.registerTool(
    DISCOVER_TOOL_NAME,
    {
      title: 'Discover plugged.in tools',
      description:
        'Asks the plugged.in App to re-discover the tools, prompts and resources of your MCP servers (all of them, or one by server_uuid), then refreshes the server list here.',
      inputSchema: {
        server_uuid: z.string().min(1).optional().describe('UUID of one server to re-discover; omit for all servers.'),
        force_refresh: z.boolean().optional().describe("Bypass the App's discovery throttling (rate limited)."),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ server_uuid, force_refresh }) => {
      let message: string;
      try {
        ({ message } = await connection.client.discover(server_uuid, force_refresh ?? false, { signal: connection.abortSignal }));
      } catch (error) {
        return text(discoveryErrorText(error), true);
      }
      // Re-read the server list now rather than at the next poll, so our catalog follows the App.
      await connection.refresh({ fresh: true });
      const status = connection.lastError ? ` (the server list could not be re-read: ${connection.lastError})` : '';
      return text(`${message}${status}`);
    },
  );

  let prompts = connection.prompts();
  let promptsJson = stableJson(prompts);
  server.server.setRequestHandler(ListPromptsRequestSchema, () => ({
    prompts: prompts.map((p) => ({ name: p.name, description: p.description })),
  }));
  server.server.setRequestHandler(GetPromptRequestSchema, (request) => {
    const prompt = prompts.find((p) => p.name === request.params.name);
    if (!prompt)
      throw new McpError(ErrorCode.InvalidParams, `unknown prompt "${request.params.name}"; known: ${prompts.map((p) => p.name).join(', ') || 'none'}`);
    return { description: prompt.description, messages: prompt.messages as never };
  });

  const unsubscribe = connection.onServersChanged(() => {
    const next = connection.prompts();
    const json = stableJson(next);
    if (json === promptsJson) return;
    prompts = next;
    promptsJson = json;
    if (server.isConnected()) {
      server.server.sendPromptListChanged().catch((error: unknown) => {
        connection.logger.debug('plugged.in: could not send prompts/list_changed', { error: errorMessage(error) });
      });
    }
  });
  return { server, detach: unsubscribe };
}

/**
 * The connector for the discovery server (`transport: 'in-process'`, `meta.pluggedinDiscovery: true`): each
 * connect makes a fresh in-process MCP server linked by `InMemoryTransport.createLinkedPair()`.
 */
export function createDiscoveryConnector(connection: PluggedinConnection): DownstreamConnector & { closeAll(): Promise<void> } {
  const live = new Set<{ server: McpServer; detach: () => void }>();
  return {
    types: ['in-process'] as const,
    accepts: (server: ServerDefinition) => server.meta?.pluggedinDiscovery === true,
    async connect(_server: ServerDefinition, context: ConnectContext): Promise<DownstreamLink> {
      const entry = createDiscoveryServer(connection);
      // Normally the config source has loaded already; loaded on its own, fetch the list for the prompts.
      if (!connection.hasServers) void connection.refresh();
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      live.add(entry);
      entry.server.server.onclose = () => {
        entry.detach();
        live.delete(entry);
      };
      await entry.server.connect(serverSide);
      if (context.signal.aborted) {
        await entry.server.close();
        throw new Error('connection to the plugged.in discovery server was cancelled');
      }
      return { transport: clientSide };
    },
    async closeAll(): Promise<void> {
      const entries = [...live];
      live.clear();
      await Promise.all(
        entries.map(async (entry) => {
          entry.detach();
          await entry.server.close().catch(() => undefined);
        }),
      );
    },
  };
}
