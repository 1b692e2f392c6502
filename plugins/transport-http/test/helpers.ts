import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { HttpUpstream } from '../src/http-upstream.js';
import type { HttpSettings } from '../src/options.js';
import { FakeHost, recordingLogger, type RecordingLogger } from './fake-host.js';

export interface RunningUpstream {
  upstream: HttpUpstream;
  host: FakeHost;
  logger: RecordingLogger;
  /** http://127.0.0.1:<port> */
  base: string;
  port: number;
}

/** Starts a front door on 127.0.0.1 and a free port over a FakeHost. */
export async function startUpstream(settings: Partial<HttpSettings> = {}, host: FakeHost = new FakeHost(), now?: () => number): Promise<RunningUpstream> {
  const logger = recordingLogger();
  const upstream = new HttpUpstream({ host: '127.0.0.1', port: 0, ...settings }, { logger, ...(now ? { now } : {}) });
  await upstream.start(host);
  const port = upstream.port!;
  return { upstream, host, logger, base: `http://127.0.0.1:${port}`, port };
}

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  close(): Promise<void>;
}

/** An SDK client over Streamable HTTP. */
export async function connectClient(
  url: string,
  options: { headers?: Record<string, string>; fetch?: FetchLike; capabilities?: Record<string, unknown>; name?: string } = {},
): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const client = new Client({ name: options.name ?? 'test-client', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  await client.connect(transport);
  return { client, transport, close: () => client.close() };
}

/** A fetch that records every response status. */
export function recordingFetch(statuses: number[]): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    return response;
  };
}

/** A fetch that rewrites the protocol version of the initialize request (the SDK client always offers the latest). */
export function versionPinningFetch(version: string): FetchLike {
  return async (input, init) => {
    if (init?.method === 'POST' && typeof init.body === 'string') {
      const body = JSON.parse(init.body) as { method?: string; params?: Record<string, unknown> };
      if (body.method === 'initialize') {
        init = { ...init, body: JSON.stringify({ ...body, params: { ...body.params, protocolVersion: version } }) };
      }
    }
    return fetch(input, init);
  };
}

export const INITIALIZE_BODY = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
};

export const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

/** A raw HTTP request with full control over headers (Host included); the body is read whole. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** Polls until the condition holds (no timing assertion: only a generous upper bound against hangs). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
