import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { toJsonRpcMessage } from '@mcp-switchboard/plugin-api';
import { withResultText } from './serialized-message.js';

/**
 * A server's stdout as JSON-RPC messages, one per line: the SDK's `ReadBuffer` (same size cap, same errors), with
 * a plain message taken as it is parsed instead of through the schema's union (see isPlainMessage), and an
 * answer's result able to go on as the server wrote it (see withResultText).
 */
export class MessageLines {
  private buffer: Buffer | undefined;

  constructor(private readonly maxBytes: number = STDIO_DEFAULT_MAX_BUFFER_SIZE) {}

  /** Adds output; throws (and forgets what was buffered) when the unfinished output grows past the cap. */
  append(chunk: Buffer): void {
    const size = (this.buffer?.length ?? 0) + chunk.length;
    if (size > this.maxBytes) {
      this.buffer = undefined;
      throw new Error(`ReadBuffer exceeded maximum size of ${this.maxBytes} bytes`);
    }
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
  }

  /** Forgets what is buffered. */
  clear(): void {
    this.buffer = undefined;
  }

  /** The next complete message, or null when no full line is buffered; a bad line is consumed and thrown. */
  next(): JSONRPCMessage | null {
    const buffer = this.buffer;
    if (!buffer) return null;
    const index = buffer.indexOf(0x0a);
    if (index === -1) return null;
    let end = index;
    if (end > 0 && buffer[end - 1] === 0x0d) end--;
    const line = buffer.toString('utf8', 0, end);
    this.buffer = index + 1 < buffer.length ? buffer.subarray(index + 1) : undefined;
    return withResultText(toJsonRpcMessage(JSON.parse(line)), line);
  }
}
