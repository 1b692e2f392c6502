import type { Readable, Writable } from 'node:stream';
import type { Logger, UpstreamHost, UpstreamSession, UpstreamTransport } from '@mcp-switchboard/plugin-api';
import { errorMessage } from '@mcp-switchboard/plugin-api';
import { DEFAULT_MAX_MESSAGE_BYTES, StdioServerFrontDoor } from './stdio-server-front-door.js';

export const DEFAULT_DRAIN_TIMEOUT_MS = 5000;

export interface StdioUpstreamOptions {
  logger?: Logger;
  /** See StdioServerFrontDoor. Default 4 MiB. */
  maxMessageBytes?: number;
  /** On stop, how long requests already received may take to finish before the session is closed. Default 5000. */
  drainTimeoutMs?: number;
  /** Send stray writes to stdout (console.log in some plugin) to stderr instead while serving. Default true. */
  guardStdout?: boolean;
  /** Injected streams for tests. Default: the process's own. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

/**
 * The stdio front door as an UpstreamTransport: one client on stdin/stdout, one session. When the client closes
 * stdin it asks the host to shut the proxy down.
 */
export class StdioUpstream implements UpstreamTransport {
  readonly name = 'stdio';
  private readonly options: StdioUpstreamOptions;
  private frontDoor: StdioServerFrontDoor | undefined;
  private session: UpstreamSession | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: StdioUpstreamOptions = {}) {
    this.options = options;
  }

  async start(host: UpstreamHost): Promise<void> {
    if (this.frontDoor) throw new Error('the stdio front door is already started');
    if (this.stopping) throw new Error('the stdio front door is stopped');
    const { logger, guardStdout = true } = this.options;
    let shutdownRequested = false;
    const frontDoor = new StdioServerFrontDoor({
      ...(this.options.stdin ? { stdin: this.options.stdin } : {}),
      ...(this.options.stdout ? { stdout: this.options.stdout } : {}),
      maxMessageBytes: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      ...(logger ? { logger } : {}),
      ...(guardStdout ? { redirectForeignWritesTo: this.options.stderr ?? process.stderr } : {}),
      onInputEnd: () => {
        if (shutdownRequested || this.stopping) return;
        shutdownRequested = true;
        logger?.info('stdin closed by the client; shutting down');
        host.requestShutdown('stdin closed');
      },
    });
    this.frontDoor = frontDoor;
    this.session = await host.connect(frontDoor);
  }

  /** Stops reading, lets requests already received finish (up to drainTimeoutMs), closes the session. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  describe(): string {
    return 'stdio';
  }

  private async shutdown(): Promise<void> {
    const frontDoor = this.frontDoor;
    if (!frontDoor) return;
    const drained = await frontDoor.drain(this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
    if (!drained) {
      this.options.logger?.warn('closing the stdio session with requests still unanswered', {
        pendingRequests: frontDoor.pendingRequests,
      });
    }
    try {
      await this.session?.close();
    } catch (error) {
      this.options.logger?.warn('closing the stdio session failed', { error: errorMessage(error) });
    }
    await frontDoor.close();
  }
}
