import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export type ServerCapabilitiesInput = ConstructorParameters<typeof McpServer>[1];

/** A McpServer factory for the fixture connector. */
export function fixture(name: string, setup: (server: McpServer) => void, options?: ServerCapabilitiesInput): () => McpServer {
  return () => {
    const server = new McpServer({ name, version: '1.0.0' }, options);
    setup(server);
    return server;
  };
}

/** A server with an `echo` tool (answers with its server name) and a `hello` prompt. */
export function echoServer(name: string, extra?: (server: McpServer) => void, options?: ServerCapabilitiesInput): () => McpServer {
  return fixture(
    name,
    (server) => {
      server.registerTool(
        'echo',
        { description: `echo from ${name}`, inputSchema: { text: z.string() } },
        async ({ text }) => ({ content: [{ type: 'text', text: `${name}: ${text}` }] }),
      );
      server.registerPrompt('hello', { description: `hello from ${name}` }, () => ({
        messages: [{ role: 'user', content: { type: 'text', text: `hello from ${name}` } }],
      }));
      extra?.(server);
    },
    options,
  );
}

export function textOf(result: Record<string, unknown>): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? '').join('\n');
}
