import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtResourceServer } from '@mcp-switchboard/plugin-transport-http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface ProtectedMcpServer {
  /** http://127.0.0.1:PORT/mcp: the resource URL tokens must be issued for. */
  url: string;
  /** Requests answered 401 so far (no token, expired, revoked...). */
  unauthorized(): number;
  /** The `sub` of the last accepted token. */
  lastSubject(): string | undefined;
  stop(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : undefined);
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/**
 * A remote MCP server (Streamable HTTP, one session per client) protected by an OAuth authorization server: it
 * publishes RFC 9728 metadata, answers 401 with `WWW-Authenticate` and checks every request's JWT (signature,
 * issuer, audience = its URL, expiry, scope) with Switchboard's own validator. Tool `whoami` returns the token's
 * subject; `echo` returns its text.
 */
export async function startProtectedMcpServer(issuer: string, requiredScopes = ['mcp:tools']): Promise<ProtectedMcpServer> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  const guard = new JwtResourceServer({ issuer, audience: url, requiredScopes, clockToleranceSec: 0 });
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let unauthorized = 0;
  let subject: string | undefined;

  const newSession = async (): Promise<StreamableHTTPServerTransport> => {
    const server = new McpServer({ name: 'protected', version: '1.0.0' });
    server.registerTool('whoami', { description: 'The subject of the caller’s token.' }, async () => ({
      content: [{ type: 'text', text: subject ?? '(nobody)' }],
    }));
    server.registerTool('echo', { description: 'Returns its text.', inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport;
  };

  http.on('request', (req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', url).pathname;
      if (path === '/.well-known/oauth-protected-resource/mcp' || path === '/.well-known/oauth-protected-resource') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(guard.metadata()));
        return;
      }
      if (path !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      const verdict = await guard.verify(req.headers.authorization);
      if (verdict.kind === 'rejected') {
        if (verdict.status === 401) unauthorized++;
        res.writeHead(verdict.status, { 'www-authenticate': guard.challenge(verdict), 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: verdict.error ?? 'unauthorized', error_description: verdict.description }));
        return;
      }
      subject = verdict.subject;
      const sessionId = req.headers['mcp-session-id'];
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (!transport) {
        if (sessionId !== undefined || req.method !== 'POST') {
          res.writeHead(404).end();
          return;
        }
        transport = await newSession();
      }
      await transport.handleRequest(req, res, body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });

  return {
    url,
    unauthorized: () => unauthorized,
    lastSubject: () => subject,
    stop: async () => {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      await new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      });
    },
  };
}
