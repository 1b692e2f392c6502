import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { SwitchboardError, type Logger } from '@mcp-switchboard/plugin-api';
import { processGroupAlive, registerProcessGroup, signalProcessGroup, unregisterProcessGroup } from './process-groups.js';
import { StderrLimiter, type StderrLimits } from './stderr-limiter.js';
import { StderrLog } from './stderr-log.js';
import { hostPlatform, spawnFor, treeSpawnOptions, type PlatformFacts } from './platform.js';
import { waitForDrain } from './wait-for-drain.js';
import { WRITTEN, batchWrites, hasLineAfter, writeChunk } from './write-batch.js';
import { MessageLines } from './message-lines.js';

export const DEFAULT_KILL_GRACE_MS = 2000;
/**
 * The variable that tells a child it was started by Switchboard (and by which ones, see the proxy's nesting
 * guard). It is copied from our own environment into every server's, so it survives wrappers such as `sh -c` and
 * `npx`, which pass their environment on: a Switchboard started that way knows it is nested.
 */
export const SWITCHBOARD_CHAIN_ENV = 'SWITCHBOARD_CHAIN';
const GROUP_POLL_MS = 25;

export interface StdioProcessTransportOptions {
  /** The server's name, used in every log line and error. */
  name: string;
  command: string;
  args?: readonly string[];
  /** Added to the SDK's minimal default environment (HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env?: Record<string, string>;
  /** Working directory; a relative one is resolved against process.cwd(). */
  cwd?: string;
  /** Logs go here, bound to `{ server: name }`. */
  logger: Logger;
  /** Time between SIGTERM and SIGKILL on close. Default 2000. */
  killGraceMs?: number;
  /** Aborting it closes the transport (kills the process group). */
  signal?: AbortSignal;
  /** Largest stdout message accepted, in bytes. Default: the SDK's (10 MiB). */
  maxMessageBytes?: number;
  /** How much of the server's stderr is logged (rate and line length); see `DEFAULT_STDERR_LIMITS`. */
  stderrLimits?: Partial<StderrLimits>;
  /** A limiter shared with earlier processes of the same server, so a restart does not refill its budget. */
  stderrLimiter?: StderrLimiter;
  /** Injectable clock for the stderr rate limit. */
  now?: () => number;
  /** The machine's platform (default: this one); Windows spawns through cross-spawn and kills with taskkill /T. */
  platform?: PlatformFacts;
}

/**
 * The SDK's stdio client, for its minimal default environment: loaded with the first server, not at start-up (it
 * brings cross-spawn and ~10 ms of module loading that the answer to a client's `initialize` need not wait for).
 */
let loadingStdioClient: Promise<typeof import('@modelcontextprotocol/sdk/client/stdio.js')> | undefined;
const sdkStdioClient = () => (loadingStdioClient ??= import('@modelcontextprotocol/sdk/client/stdio.js'));

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The client side of a stdio MCP server: spawns the command in its own process group, frames its stdout as
 * JSON-RPC, logs its stderr line by line, and on close takes down the whole group (SIGTERM, then SIGKILL after
 * `killGraceMs`), so a server's own children never outlive it.
 */
export class StdioProcessTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;

  private readonly options: StdioProcessTransportOptions;
  private readonly logger: Logger;
  private readonly killGraceMs: number;
  private readonly readBuffer: MessageLines;

  /** Set by start(): the spawn, once the spawn function and the default environment are loaded. */
  private launching: Promise<void> | undefined;
  private child: ChildProcessWithoutNullStreams | undefined;
  private pgid: number | undefined;
  private spawned = false;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private closeSeen = false;
  private closeFired = false;
  private closing: Promise<void> | undefined;
  /** Set by close(): the moment after which whatever is left of the group is SIGKILLed. */
  private killDeadline: number | undefined;
  private afterExit: Promise<void> | undefined;
  private readonly stderr: StderrLog;
  private readonly platform: PlatformFacts;

  private resolveExited!: () => void;
  private readonly exited = new Promise<void>((resolve) => (this.resolveExited = resolve));
  private resolveDone!: () => void;
  /** Resolves once the transport is finished: it failed to start, or its process group is gone. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private resolveStdioClosed!: () => void;
  private readonly stdioClosed = new Promise<void>((resolve) => (this.resolveStdioClosed = resolve));

  constructor(options: StdioProcessTransportOptions) {
    this.options = options;
    this.logger = options.logger.child({ server: options.name });
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    this.readBuffer = new MessageLines(options.maxMessageBytes);
    this.stderr = new StderrLog(this.logger, options.stderrLimiter ?? new StderrLimiter(options.stderrLimits, options.now), options.now);
    this.platform = options.platform ?? hostPlatform();
  }

  /** The child's pid once spawned. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The child's exit code, once it has exited (null when a signal ended it). */
  get exitCode(): number | null | undefined {
    return this.exit?.code;
  }

  /** The signal that ended the child, once it has exited (null when it exited by itself). */
  get exitSignal(): NodeJS.Signals | null | undefined {
    return this.exit?.signal;
  }

  /** Spawns the server. Resolves once it is running; rejects with SWB_SERVER_START if it cannot start. */
  start(): Promise<void> {
    if (this.launching || this.closing) return Promise.reject(new Error(`StdioProcessTransport for "${this.options.name}" already started`));
    const { name, env = {}, signal } = this.options;
    if (signal?.aborted) {
      return Promise.reject(new SwitchboardError('SWB_SERVER_START', `server "${name}": start aborted`, { cause: signal.reason }));
    }
    const cwd = this.options.cwd === undefined ? undefined : path.resolve(process.cwd(), this.options.cwd);
    if (cwd !== undefined && !isDirectory(cwd)) {
      return Promise.reject(
        new SwitchboardError('SWB_SERVER_START', `working directory not found: ${cwd} (server "${name}")`, {
          fix: `Create the directory or correct "cwd" for server "${name}" (a relative cwd is resolved against the config file's folder).`,
          details: { server: name, cwd },
        }),
      );
    }

    const platform = this.platform;
    this.launching = Promise.all([spawnFor(platform), sdkStdioClient()]).then(([spawn, { getDefaultEnvironment }]) => {
      if (this.closing) {
        this.resolveDone();
        throw new SwitchboardError('SWB_SERVER_START', `server "${name}": closed before it started`);
      }
      return this.spawnChild(spawn, { ...getDefaultEnvironment(), ...chainMarker(), ...env }, cwd);
    });
    return this.launching;
  }

  private spawnChild(spawn: Awaited<ReturnType<typeof spawnFor>>, env: Record<string, string>, cwd: string | undefined): Promise<void> {
    const { command, args = [], signal } = this.options;
    return new Promise<void>((resolve, reject) => {
      let child: ChildProcessWithoutNullStreams;
      try {
        const platform = this.platform;
        child = spawn(command, [...args], {
          env,
          ...(cwd !== undefined ? { cwd } : {}),
          ...treeSpawnOptions(platform),
          stdio: ['pipe', 'pipe', 'pipe'],
          shell: false,
        }) as ChildProcessWithoutNullStreams;
      } catch (error) {
        this.resolveDone();
        reject(this.spawnError(error));
        return;
      }
      this.child = child;

      child.once('spawn', () => {
        this.spawned = true;
        if (child.pid !== undefined) {
          this.pgid = child.pid;
          registerProcessGroup(child.pid);
        }
        this.logger.debug('server process started', { serverPid: child.pid, command, args });
        signal?.addEventListener('abort', this.onAbort, { once: true });
        resolve();
      });
      child.once('error', (error) => {
        if (!this.spawned) {
          this.resolveDone();
          reject(this.spawnError(error));
          return;
        }
        this.onerror?.(error);
      });
      child.once('exit', (code, exitSignal) => this.handleExit(code, exitSignal));
      child.once('close', () => {
        this.closeSeen = true;
        this.resolveStdioClosed();
        if (this.spawned) this.fireClose();
      });

      child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
      child.stdout.on('error', (error) => this.onerror?.(error));
      child.stdin.on('error', (error) => {
        // EPIPE when the server is gone; the exit handler reports that.
        if (!this.exit) this.onerror?.(error);
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => this.stderr.write(chunk));
      child.stderr.on('end', () => this.stderr.end());
      child.stderr.on('error', () => {});
    });
  }

  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || !this.spawned || this.exit || this.closing || !stdin.writable) {
      return Promise.reject(new Error(`Not connected: server "${this.options.name}" is not running`));
    }
    return writeChunk(stdin, serializeMessage(message)) ? WRITTEN : waitForDrain(stdin);
  }

  /**
   * Ends stdin, SIGTERMs the process group, SIGKILLs what is left after `killGraceMs`, and resolves once the
   * server has exited. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const child = this.child;
    if (!child || !this.spawned) {
      // Never started, or failed to spawn: nothing to stop.
      this.readBuffer.clear();
      this.resolveDone();
      return;
    }
    this.killDeadline = Date.now() + this.killGraceMs;
    if (!this.exit) {
      try {
        child.stdin.end();
      } catch {
        // already closed
      }
      if (this.pgid !== undefined) signalProcessGroup(this.pgid, 'SIGTERM', this.platform);
      const exitedInTime = await Promise.race([this.exited.then(() => true), delay(this.killGraceMs).then(() => false)]);
      if (!exitedInTime) {
        this.logger.warn(`server did not exit within ${this.killGraceMs} ms of SIGTERM; sending SIGKILL`, { serverPid: child.pid });
        if (this.pgid !== undefined) signalProcessGroup(this.pgid, 'SIGKILL', this.platform);
        else child.kill('SIGKILL');
        await this.exited;
      }
    }
    await this.afterExit;
    this.readBuffer.clear();
  }

  private readonly onAbort = (): void => {
    void this.close();
  };

  private handleExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit = { code, signal };
    const fields = { serverPid: this.child?.pid, code, signal };
    if (this.closing) this.logger.debug('server process exited', fields);
    else if (code === 0) this.logger.info('server process exited', fields);
    else this.logger.warn('server process exited unexpectedly', fields);
    this.resolveExited();
    this.afterExit = this.reapGroup();
  }

  /**
   * After the leader exits: stop whatever it left behind in its group (SIGTERM now unless close() already sent
   * it, SIGKILL at the deadline), then make sure 'close' is reported even if some process outside the group
   * still holds our pipes.
   */
  private async reapGroup(): Promise<void> {
    const pgid = this.pgid;
    if (pgid !== undefined) {
      const deadline = this.killDeadline ?? Date.now() + this.killGraceMs;
      if (!this.closing && processGroupAlive(pgid)) {
        this.logger.debug('stopping processes the server left behind', { pgid });
        signalProcessGroup(pgid, 'SIGTERM', this.platform);
      }
      while (processGroupAlive(pgid) && Date.now() < deadline) await delay(GROUP_POLL_MS);
      if (processGroupAlive(pgid)) signalProcessGroup(pgid, 'SIGKILL', this.platform);
      unregisterProcessGroup(pgid);
    }
    if (!this.closeSeen) {
      await Promise.race([this.stdioClosed, delay(this.killGraceMs)]);
      if (!this.closeSeen) {
        this.child?.stdout.destroy();
        this.child?.stderr.destroy();
        this.child?.stdin.destroy();
        this.fireClose();
      }
    }
    this.resolveDone();
  }

  private fireClose(): void {
    if (this.closeFired) return;
    this.closeFired = true;
    this.onclose?.();
  }

  private spawnError(error: unknown): SwitchboardError {
    const { name, command } = this.options;
    const err = error as NodeJS.ErrnoException;
    const detail = err instanceof Error ? err.message : String(error);
    let message: string;
    if (err?.code === 'ENOENT') message = `command not found: ${command} (${detail}); is it installed and on PATH?`;
    else if (err?.code === 'EACCES') message = `command is not executable: ${command} (${detail}); check its permissions`;
    else message = `could not start ${command}: ${detail}`;
    return new SwitchboardError('SWB_SERVER_START', message, { cause: error, details: { server: name, command } });
  }

  private onStdout(chunk: Buffer): void {
    // Several answers in one chunk: what they make us write (the client's answers) leaves in one writev.
    if (hasLineAfter(chunk, chunk.indexOf(0x0a))) batchWrites(() => this.readMessages(chunk));
    else this.readMessages(chunk);
  }

  private readMessages(chunk: Buffer): void {
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      this.reportBadOutput(error);
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.next();
      } catch (error) {
        // The bad line is already consumed; go on with the next one.
        this.reportBadOutput(error);
        continue;
      }
      if (message === null) break;
      this.onmessage?.(message);
    }
  }

  private reportBadOutput(error: unknown): void {
    const detail = truncate(error instanceof Error ? error.message : String(error));
    this.logger.warn('server wrote something on stdout that is not a JSON-RPC message; ignored', { error: detail });
    this.onerror?.(new Error(`server "${this.options.name}" wrote a stdout line that is not JSON-RPC: ${detail}`, { cause: error }));
  }
}

/** The nesting marker of this process, when it has one, for a child's environment. */
function chainMarker(): Record<string, string> {
  const chain = process.env[SWITCHBOARD_CHAIN_ENV];
  return chain ? { [SWITCHBOARD_CHAIN_ENV]: chain } : {};
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
