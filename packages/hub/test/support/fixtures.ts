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
      server.registerTool('echo', { description: `echo from ${name}`, inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text: `${name}: ${text}` }],
      }));
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

/**
 * What the hub lists for a server's own tool or prompt definition `direct`: the exposed name, titles prefixed
 * `<prefix>: ` where the name is prefixed, and `_meta` naming the server (the server's own keys kept).
 */
export function exposedAs(
  direct: Record<string, unknown>,
  exposedName: string,
  server: { id: string; name?: string; prefix?: string | false },
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...direct,
    name: exposedName,
    _meta: {
      ...(direct._meta as Record<string, unknown> | undefined),
      'io.mcp-switchboard/server': { id: server.id, name: server.name ?? server.id },
      'io.mcp-switchboard/originalName': direct.name,
    },
  };
  const prefix = server.prefix === undefined ? server.id : server.prefix;
  if (prefix !== false) {
    if (typeof direct.title === 'string') out.title = `${prefix}: ${direct.title}`;
    const annotations = direct.annotations as Record<string, unknown> | undefined;
    if (typeof annotations?.title === 'string') out.annotations = { ...annotations, title: `${prefix}: ${annotations.title}` };
  }
  return out;
}
