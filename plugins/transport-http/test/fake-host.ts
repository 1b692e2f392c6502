import type { Logger, UpstreamHost, UpstreamSession, UpstreamSessionOptions } from '@mcp-switchboard/plugin-api';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';

/** A promise with its resolve function, for tests that hold a tool call open. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** One host session as the fake host saw it. */
export interface FakeSessionRecord {
  identity: string;
  options: UpstreamSessionOptions;
  server: McpServer;
  closed: boolean;
}

export type ServerFactory = (identity: string, options: UpstreamSessionOptions) => McpServer;

/**
 * A minimal UpstreamHost for front-door tests: every session gets its own SDK McpServer (the real hub creates one
 * SDK Server per session too). The default server's tools tag everything they send with the session's identity
 * (the session id the front door passed, or `stateless-<n>`), so a test can check nothing crosses sessions.
 */
export class FakeHost implements UpstreamHost {
  readonly sessions: FakeSessionRecord[] = [];
  ready = true;
  profileNames: string[];
  readonly shutdownRequests: string[] = [];
  /** `slow` waits for this gate; `slowStarted` opens when a `slow` call begins. */
  slowGate = gate();
  slowStarted = gate();
  /** How many `slow` calls have begun. */
  slowCalls = 0;
  private counter = 0;

  constructor(options: { profiles?: string[]; factory?: ServerFactory } = {}) {
    this.profileNames = options.profiles ?? [];
    this.factory = options.factory ?? ((identity, opts) => createTaggedServer(identity, opts, this));
  }

  private readonly factory: ServerFactory;

  async connect(transport: Transport, options: UpstreamSessionOptions = {}): Promise<UpstreamSession> {
    const identity = options.sessionId ?? `stateless-${++this.counter}`;
    const server = this.factory(identity, options);
    const record: FakeSessionRecord = { identity, options: { ...options }, server, closed: false };
    this.sessions.push(record);
    const listeners: Array<() => void> = [];
    server.server.onclose = () => {
      if (record.closed) return;
      record.closed = true;
      for (const listener of listeners.splice(0)) listener();
    };
    await server.connect(transport);
    return {
      id: identity,
      close: () => server.close(),
      onClose: (listener) => {
        if (record.closed) listener();
        else listeners.push(listener);
      },
    };
  }

  profiles(): string[] {
    return this.profileNames;
  }

  isReady(): boolean {
    return this.ready;
  }

  requestShutdown(reason: string): void {
    this.shutdownRequests.push(reason);
  }

  get openSessions(): number {
    return this.sessions.filter((s) => !s.closed).length;
  }
}

/** The default per-session server: echo, add, whoami, progress_and_log, sample, request_headers, slow. */
export function createTaggedServer(identity: string, options: UpstreamSessionOptions, host: FakeHost): McpServer {
  const server = new McpServer({ name: 'fake-hub', version: '1.0.0' }, { capabilities: { logging: {} } });

  server.registerTool('echo', { description: 'Echoes text.', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));

  server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));

  server.registerTool('whoami', { description: 'The session identity and profile.', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: JSON.stringify({ identity, profile: options.profile ?? null }) }],
  }));

  server.registerTool(
    'progress_and_log',
    { description: 'Sends progress and log notifications tagged with the session.', inputSchema: { steps: z.number().int().min(1) } },
    async ({ steps }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: step, total: steps, message: identity },
          });
        }
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: { identity, step } } });
      }
      return { content: [{ type: 'text', text: identity }] };
    },
  );

  server.registerTool('sample', { description: 'Asks the client for a sampling.', inputSchema: {} }, async (_args, extra) => {
    const result = await server.server.createMessage(
      { messages: [{ role: 'user', content: { type: 'text', text: `sampling for ${identity}` } }], maxTokens: 10 },
      { relatedRequestId: extra.requestId },
    );
    const content = result.content as { type: string; text?: string };
    return { content: [{ type: 'text', text: content.type === 'text' ? (content.text ?? '') : '' }] };
  });

  server.registerTool('request_headers', { description: 'Names of the HTTP headers the session saw.', inputSchema: {} }, async (_args, extra) => ({
    content: [{ type: 'text', text: JSON.stringify(Object.keys(extra.requestInfo?.headers ?? {}).map((name) => name.toLowerCase())) }],
  }));

  server.registerTool('slow', { description: 'Waits until the test opens the gate.', inputSchema: {} }, async () => {
    host.slowCalls++;
    host.slowStarted.open();
    await host.slowGate.promise;
    return { content: [{ type: 'text', text: `slow done for ${identity}` }] };
  });

  return server;
}

/** A logger that keeps every line, for assertions on warnings. */
export interface RecordingLogger extends Logger {
  lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const make = (bindings: Record<string, unknown>): RecordingLogger => {
    const log =
      (level: string) =>
      (message: string, fields?: Record<string, unknown>): void => {
        lines.push({ level, message, fields: { ...bindings, ...(fields ?? {}) } });
      };
    return {
      lines,
      trace: log('trace'),
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}
