import { createInterface } from 'node:readline';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { SwitchboardError } from '@mcp-switchboard/plugin-api';

/**
 * Answers every request on stdin with `error` until stdin ends. The Switchboard that started us then sees a
 * clear refusal of `initialize` (and marks this server failed with that message) instead of a crash it would
 * retry: that is how a nested Switchboard is skipped.
 */
export async function refuseOverStdio(
  error: SwitchboardError,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    let id: unknown;
    try {
      id = (JSON.parse(line) as { id?: unknown }).id;
    } catch {
      continue;
    }
    if (typeof id !== 'string' && typeof id !== 'number') continue;
    const reply = {
      jsonrpc: '2.0',
      id,
      error: { code: ErrorCode.InvalidRequest, message: `${error.code}: ${error.message}`, data: { code: error.code, fix: error.fix } },
    };
    output.write(`${JSON.stringify(reply)}\n`);
  }
}
