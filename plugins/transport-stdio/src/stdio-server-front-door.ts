import type { Readable, Writable } from 'node:stream';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage, type MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage, isPlainMessage, messageTooDeep, type Logger } from '@mcp-switchboard/plugin-api';
import { waitForDrain } from './wait-for-drain.js';
import { WRITTEN, batchWrites, hasLineAfter, writeChunk } from './write-batch.js';
import { describeInvalid, firstBytes, isRequestId, lastBytes, replyIdOf, sniffId, type RawId } from './line-diagnosis.js';
import { messageText } from './serialized-message.js';

/** Default cap on one incoming line (one JSON-RPC message), in bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** How many bytes of an oversize line are kept (at each end) to find its request id. */
const SNIFF_BYTES = 512;

export interface StdioServerFrontDoorOptions {
  /** Where client messages come from. Default: process.stdin. */
  stdin?: Readable;
  /** Where our messages go. Default: process.stdout. */
  stdout?: Writable;
  /** A line longer than this (bytes, newline excluded) is answered with -32600 and discarded. Default 4 MiB. */
  maxMessageBytes?: number;
  logger?: Logger;
  /** Called once when the client closes our stdin (never when `close()` is called). */
  onInputEnd?: () => void;
  /**
   * While the door is open, anything else that writes to `stdout` (a stray console.log in some plugin) is sent
   * here instead, so the protocol stream stays clean. Unset: no redirection.
   */
  redirectForeignWritesTo?: Writable;
  /** Sees each valid message first; one it returns true for is handled there (a stateless request), not by the session. */
  divert?: (message: JSONRPCMessage) => boolean;
}

/** The JSON-RPC error object we send for input we cannot accept. */
interface ErrorReply {
  jsonrpc: '2.0';
  id: RawId;
  error: { code: number; message: string };
}

/**
 * The MCP server side of stdio, written for a proxy: newline-delimited JSON-RPC over stdin/stdout where every
 * malformed line gets an answer (the SDK's StdioServerTransport drops them silently):
 * - not JSON → -32700 (id null);
 * - JSON but not a JSON-RPC message (including batches) → -32600, with the request's id when it has one;
 * - longer than `maxMessageBytes` → -32600, and the rest of the line is skipped without being buffered;
 * - nested more than MAX_MESSAGE_DEPTH levels deep → -32600, with the request's id.
 *
 * When the client closes stdin, requests already received still get their answers; `onclose` fires once the
 * last of them has been written (at once if none is pending).
 */
export class StdioServerFrontDoor implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;

  private readonly options: StdioServerFrontDoorOptions;
  private readonly stdin: Readable;
  private readonly stdout: Writable;
  private readonly maxMessageBytes: number;
  private readonly logger: Logger | undefined;

  private started = false;
  private closed = false;
  private inputEnded = false;
  private reading = false;

  private chunks: Buffer[] = [];
  private lineBytes = 0;
  /** Set while skipping the rest of an oversize line. */
  private oversize: { head: string; tail: Buffer; bytes: number } | undefined;

  /**
   * Ids of client requests we have passed on and not yet answered, as they came: a Set tells the number 5 from the
   * string "5". (Not keys made with `${id}`: turning a number into decimal text on every request puts each text in
   * V8's number-string cache, which keeps it through the next scavenge and gets it promoted; measured in
   * apps/bench/README.md, "Sixth round".)
   */
  private readonly pending = new Set<string | number>();
  private idleWaiters: Array<() => void> = [];

  private rawWrite: (chunk: string) => boolean;
  private restoreStdout: (() => void) | undefined;

  constructor(options: StdioServerFrontDoorOptions = {}) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.logger = options.logger;
    this.options = options;
    const stdout = this.stdout;
    this.rawWrite = (chunk) => stdout.write(chunk);
  }

  /** Bytes of the current, unfinished line held in memory (never more than `maxMessageBytes`). */
  get bufferedBytes(): number {
    return this.lineBytes;
  }

  /** Client requests received and not yet answered. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('StdioServerFrontDoor already started');
    if (this.closed) throw new Error('StdioServerFrontDoor is closed');
    this.started = true;
    this.guardStdout();
    this.stdout.on('error', this.onOutputError);
    this.stdin.on('error', this.onInputError);
    this.stdin.on('end', this.onInputEnd);
    this.stdin.on('close', this.onInputEnd);
    this.stdin.on('data', this.onData);
    this.reading = true;
  }

  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    if (this.closed) return Promise.reject(new Error('Not connected'));
    const answers = 'id' in message && ('result' in message || 'error' in message) ? message.id : undefined;
    // No async function and no promise per answer: a message handed on at once is settled now.
    let written: Promise<void>;
    try {
      written = this.writeLine(messageText(message));
    } catch (error) {
      written = Promise.reject(error as Error);
    }
    if (answers === undefined) return written;
    if (written === WRITTEN) {
      this.settle(answers);
      return written;
    }
    return written.finally(() => this.settle(answers));
  }

  /** Stops reading and waits until every received request has been answered, or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopReading();
    if (this.pending.size === 0 || this.closed) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref?.();
    });
    const drained = this.whenIdle().then(() => true as const);
    const result = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopReading();
    this.restoreStdout?.();
    this.restoreStdout = undefined;
    this.chunks = [];
    this.lineBytes = 0;
    this.oversize = undefined;
    this.pending.clear();
    this.resolveIdle();
    this.onclose?.();
  }

  // ---------------------------------------------------------------------------------------------------------
  // input

  private readonly onData = (chunk: Buffer | string): void => {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const newline = buffer.indexOf(0x0a);
    // Several messages in one chunk (a client with calls in flight): their answers written at once leave together.
    if (hasLineAfter(buffer, newline)) batchWrites(() => this.readLines(buffer, newline));
    else this.readLines(buffer, newline);
  };

  private readLines(buffer: Buffer, firstNewline: number): void {
    let start = 0;
    let newline = firstNewline;
    while (!this.closed) {
      if (newline === -1) {
        this.accumulate(buffer.subarray(start));
        return;
      }
      this.accumulate(buffer.subarray(start, newline));
      this.endLine();
      start = newline + 1;
      newline = buffer.indexOf(0x0a, start);
    }
  }

  private accumulate(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.oversize) {
      this.oversize.bytes += piece.length;
      this.oversize.tail = lastBytes([this.oversize.tail, piece], SNIFF_BYTES);
      return;
    }
    if (this.lineBytes + piece.length > this.maxMessageBytes) {
      // Over the limit: keep only the two ends (for the id) and skip everything up to the next newline.
      const parts = [...this.chunks, piece];
      this.oversize = {
        head: firstBytes(parts, SNIFF_BYTES).toString('utf8'),
        tail: lastBytes(parts, SNIFF_BYTES),
        bytes: this.lineBytes + piece.length,
      };
      this.chunks = [];
      this.lineBytes = 0;
      return;
    }
    this.chunks.push(piece);
    this.lineBytes += piece.length;
  }

  private endLine(): void {
    if (this.oversize) {
      const { head, tail, bytes } = this.oversize;
      this.oversize = undefined;
      const id = sniffId(head, tail.toString('utf8'));
      this.logger?.warn('client message over the size limit; rejected', { bytes, limit: this.maxMessageBytes, id });
      this.reply(id, ErrorCode.InvalidRequest, `Invalid Request: message larger than ${this.maxMessageBytes} bytes`);
      return;
    }
    const line = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    this.lineBytes = 0;
    this.handleLine(line.toString('utf8'));
  }

  private handleLine(raw: string): void {
    // A byte-order mark and a CR line end are dropped; a blank line is skipped (no regular expressions: every line).
    let text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.charCodeAt(0) !== 123 /* { */ && text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const detail = errorMessage(error);
      this.logger?.warn('client sent a line that is not JSON; answered -32700', { error: detail });
      this.reply(null, ErrorCode.ParseError, `Parse error: ${detail}`);
      return;
    }
    // Refused before anything walks it: a recursive walk of a very deep value overflows the stack.
    const tooDeep = messageTooDeep(value);
    if (tooDeep !== undefined) {
      const id = replyIdOf(value);
      this.logger?.warn('client sent a message nested too deeply; answered -32600', { id });
      this.reply(id, ErrorCode.InvalidRequest, tooDeep);
      return;
    }
    const parsed = isPlainMessage(value) ? ({ success: true, data: value } as const) : JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const detail = describeInvalid(value);
      const id = replyIdOf(value);
      this.logger?.warn('client sent an invalid JSON-RPC message; answered -32600', { error: detail, id });
      this.reply(id, ErrorCode.InvalidRequest, `Invalid Request: ${detail}`);
      return;
    }
    const message = parsed.data as JSONRPCMessage;
    if ('method' in message && 'id' in message && isRequestId(message.id)) this.pending.add(message.id);
    if (this.options.divert?.(message)) return;
    this.onmessage?.(message);
    // A cancelled request gets no answer (MCP), so stop waiting for one.
    if ('method' in message && message.method === 'notifications/cancelled' && !('id' in message)) {
      this.settle((message.params as { requestId?: unknown } | undefined)?.requestId);
    }
  }

  private readonly onInputEnd = (): void => {
    if (this.inputEnded || this.closed) return;
    this.inputEnded = true;
    // An unterminated last line is still a message.
    if (this.oversize || this.lineBytes > 0) this.endLine();
    this.stopReading();
    this.logger?.debug('stdin closed by the client', { pendingRequests: this.pending.size });
    try {
      this.options.onInputEnd?.();
    } finally {
      void this.whenIdle().then(() => this.close());
    }
  };

  private readonly onInputError = (error: Error): void => {
    if (this.closed) return;
    this.onerror?.(error);
    this.onInputEnd();
  };

  private readonly onOutputError = (error: Error): void => {
    if (this.closed) return;
    // EPIPE and friends: the client is gone, nobody can read our answers any more.
    this.onerror?.(error);
    void this.close();
  };

  private stopReading(): void {
    if (!this.reading) return;
    this.reading = false;
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onInputEnd);
    this.stdin.off('close', this.onInputEnd);
    // The 'error' listener stays: an unhandled 'error' on stdin would crash the process.
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
  }

  // ---------------------------------------------------------------------------------------------------------
  // output

  private reply(id: RawId, code: number, message: string): void {
    const reply: ErrorReply = { jsonrpc: '2.0', id, error: { code, message } };
    this.writeLine(JSON.stringify(reply)).catch((error: unknown) => {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** Resolves once the line was handed on: WRITTEN at once, else when the stream drained. */
  private writeLine(json: string): Promise<void> {
    return writeChunk(this.stdout, json + '\n', this.rawWrite) ? WRITTEN : waitForDrain(this.stdout);
  }

  private settle(id: unknown): void {
    if (isRequestId(id) && this.pending.delete(id) && this.pending.size === 0) this.resolveIdle();
  }

  private whenIdle(): Promise<void> {
    if (this.pending.size === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Routes every write to stdout that is not ours to `redirectForeignWritesTo` while the door is open. */
  private guardStdout(): void {
    const target = this.options.redirectForeignWritesTo;
    if (!target) return;
    const stream = this.stdout as Writable & { write: (...args: unknown[]) => boolean };
    const hadOwn = Object.hasOwn(stream, 'write');
    const original = stream.write;
    this.rawWrite = (chunk) => original.call(stream, chunk);
    let warned = false;
    const logger = this.logger;
    const redirect = function (this: unknown, ...args: unknown[]): boolean {
      if (!warned) {
        warned = true;
        logger?.warn('something other than the MCP transport wrote to stdout; redirected to stderr');
      }
      return (target.write as (...a: unknown[]) => boolean).apply(target, args);
    };
    stream.write = redirect;
    this.restoreStdout = () => {
      if (stream.write !== redirect) return;
      if (hadOwn) stream.write = original;
      else delete (stream as { write?: unknown }).write;
    };
  }
}
