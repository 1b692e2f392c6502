import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { freePort } from './helpers.js';

const require = createRequire(import.meta.url);

export interface EverythingServer {
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs `@modelcontextprotocol/server-everything` in `streamableHttp` or `sse` mode on a free port. It listens on
 * every interface; tests reach it on 127.0.0.1 only and stop it at the end.
 */
export async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<EverythingServer> {
  const entry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [entry, mode], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await waitForListening(child, () => output);
      return { port, base: `http://127.0.0.1:${port}`, output: () => output, stop: () => stopChild(child) };
    } catch (error) {
      lastError = error as Error;
      await stopChild(child);
    }
  }
  throw lastError ?? new Error('server-everything did not start');
}

function waitForListening(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`server-everything did not start within 30 s; output:\n${output()}`)), 30_000);
    const check = (): void => {
      if (/listening on port|running on port/i.test(output())) finish();
    };
    const onExit = (code: number | null): void => finish(new Error(`server-everything exited with ${code}; output:\n${output()}`));
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Server side of an MCP WebSocket: one JSON-RPC message per text frame. */
class WebSocketServerTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      try {
        this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(data.toString())));
      } catch (error) {
        this.onerror?.(error as Error);
      }
    });
    socket.on('close', () => this.onclose?.());
    socket.on('error', (error) => this.onerror?.(error));
  }

  async start(): Promise<void> {}

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    this.socket.close();
  }
}

export interface TinyWebSocketServer {
  url: string;
  /** Headers of each upgrade request, in order. */
  upgrades: IncomingMessage['headers'][];
  /** Subprotocol each connection agreed. */
  protocols: string[];
  stop(): Promise<void>;
}

/** A tiny MCP server over WebSocket on 127.0.0.1 with one tool, `echo`. */
export async function startWebSocketServer(): Promise<TinyWebSocketServer> {
  const upgrades: IncomingMessage['headers'][] = [];
  const protocols: string[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => (offered.has('mcp') ? 'mcp' : false),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('connection', (socket, request) => {
    upgrades.push(request.headers);
    protocols.push(socket.protocol);
    const server = new McpServer({ name: 'tiny-ws', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes text.', inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text: `ws:${text}` }],
    }));
    void server.connect(new WebSocketServerTransport(socket));
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    upgrades,
    protocols,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
