import {
  SwitchboardError,
  type ConnectContext,
  type DownstreamConnector,
  type DownstreamLink,
  type ServerDefinition,
  type ServerTransportType,
} from '@mcp-switchboard/plugin-api';
import { StderrLimiter } from './stderr-limiter.js';
import { DEFAULT_KILL_GRACE_MS, StdioProcessTransport } from './stdio-process-transport.js';

export interface StdioConnectorOptions {
  /** Time between SIGTERM and SIGKILL when a server is stopped. Default 2000. */
  killGraceMs?: number;
}

/** Connects to `stdio` servers: each link is an unstarted StdioProcessTransport. */
export class StdioConnector implements DownstreamConnector {
  readonly types: readonly ServerTransportType[] = ['stdio'];
  private readonly killGraceMs: number;
  private readonly live = new Set<StdioProcessTransport>();
  /** One stderr budget per server, kept across its restarts (a crash loop must not refill it). */
  private readonly stderrLimiters = new Map<string, StderrLimiter>();

  constructor(options: StdioConnectorOptions = {}) {
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  accepts(server: ServerDefinition): boolean {
    return server.transport === 'stdio';
  }

  async connect(server: ServerDefinition, context: ConnectContext): Promise<DownstreamLink> {
    if (server.transport !== 'stdio') {
      throw new SwitchboardError('SWB_CONNECTOR_MISSING', `server "${server.name}" uses ${server.transport}; the stdio connector only runs commands`);
    }
    const transport = new StdioProcessTransport({
      name: server.name,
      command: server.command,
      args: server.args,
      env: server.env,
      ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
      logger: context.logger,
      killGraceMs: this.killGraceMs,
      signal: context.signal,
      stderrLimiter: this.stderrLimiterOf(server.id),
    });
    this.live.add(transport);
    void transport.done.then(() => this.live.delete(transport));
    return {
      transport,
      get pid() {
        return transport.pid;
      },
    };
  }

  private stderrLimiterOf(serverId: string): StderrLimiter {
    let limiter = this.stderrLimiters.get(serverId);
    if (!limiter) this.stderrLimiters.set(serverId, (limiter = new StderrLimiter()));
    return limiter;
  }

  /** Links whose process is running or being stopped. */
  get liveCount(): number {
    return this.live.size;
  }

  /** Stops every server this connector started that is still running. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.live].map((transport) => transport.close()));
  }
}
