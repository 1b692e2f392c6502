#!/usr/bin/env node
// `node http-echo-server.js --port N`: the echo tool (as in the echo fixture) served over Streamable HTTP by the
// SDK, one McpServer and transport per session: the reference for the proxy's HTTP front door.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'bench-run': { type: 'string' } } });
const port = Number(values.port);

function echoServer(): McpServer {
  const server = new McpServer({ name: 'echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns its input text unchanged.', inputSchema: { text: z.string() }, outputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }], structuredContent: { text } }),
  );
  return server;
}

const sessions = new Map<string, StreamableHTTPServerTransport>();
const http = createServer((req, res) => {
  const id = req.headers['mcp-session-id'];
  const known = typeof id === 'string' ? sessions.get(id) : undefined;
  if (known) {
    void known.handleRequest(req, res);
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(400).end();
    return;
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  void echoServer()
    .connect(transport)
    .then(() => transport.handleRequest(req, res));
});
http.listen(port, '127.0.0.1');
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
