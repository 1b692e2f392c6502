import type { CallToolResult, Tool } from '@mcp-switchboard/plugin-api';

export const SEARCH_TOOLS = 'search_tools';
export const CALL_TOOL = 'call_tool';

/** `search_tools`: what the model calls to find a tool that is not listed. */
export function searchToolsDefinition(defaultResults: number, maxResults: number, servers: readonly string[]): Tool {
  const serverHint = servers.length ? ` Servers: ${servers.join(', ')}.` : '';
  return {
    name: SEARCH_TOOLS,
    title: 'Search tools',
    description:
      `Finds tools by what they do, among every tool of every connected server (most are not listed, to save ` +
      `context). Returns each match's name, description and input schema; call one with ${CALL_TOOL}.${serverHint}`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What you want to do, in a few words (e.g. "create a GitHub issue").' },
        limit: { type: 'integer', minimum: 1, maximum: maxResults, description: `How many results (default ${defaultResults}).` },
        server: { type: 'string', description: 'Only tools of this server.' },
      },
      required: ['query'],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  };
}

/** `call_tool`: calls any tool of the catalog by name, listed or not. */
export function callToolDefinition(): Tool {
  return {
    name: CALL_TOOL,
    title: 'Call a tool',
    description: `Calls a tool by the name ${SEARCH_TOOLS} returned, with arguments matching its input schema.`,
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: `The tool's name, as ${SEARCH_TOOLS} returned it.` },
        arguments: { type: 'object', description: "The tool's arguments.", additionalProperties: true },
      },
      required: ['name'],
    },
  };
}

/** A tool-level error the model reads (not a protocol error: the model can correct itself). */
export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
