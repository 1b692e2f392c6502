import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { performance } from 'node:perf_hooks';

/** One measured MCP server: an SDK client over stdio to a child process, and the tool it calls. */
export interface BenchTarget {
  label: string;
  tool: string;
  /** Calls the tool once; rejects unless the answer echoes `text` exactly. */
  call(text: string): Promise<void>;
  /** Closes the client and the child; resolves with how long the child took to go (ms). */
  close(): Promise<number>;
}

export interface BenchTargetSpec {
  label: string;
  command: string;
  args: string[];
  tool: string;
}

const stderrTailBytes = 8192;

/**
 * Spawns and connects a target. Its stderr is drained (an unread pipe would fill and stall the child) and its
 * tail kept for error messages. Calls go through `client.request`, not `callTool`: the same bytes and the
 * same client work for both targets, without `callTool`'s extra listTools and output-schema validation.
 */
export async function startBenchTarget(spec: BenchTargetSpec): Promise<BenchTarget> {
  const transport = new StdioClientTransport({ command: spec.command, args: spec.args, stderr: 'pipe' });
  let stderrTail = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-stderrTailBytes);
  });
  const client = new Client({ name: 'switchboard-bench', version: '0.0.0' });
  const describe = (): string => `${spec.label} (${spec.command} ${spec.args.join(' ')})`;
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close();
    throw new Error(`${describe()} did not start: ${(error as Error).message}\n--- its stderr ---\n${stderrTail}`);
  }

  return {
    label: spec.label,
    tool: spec.tool,
    async call(text) {
      const result = await client.request(
        { method: 'tools/call', params: { name: spec.tool, arguments: { text } } },
        CallToolResultSchema,
      );
      const first = result.content[0];
      if (result.isError || first?.type !== 'text' || first.text !== text) {
        throw new Error(`${spec.label}: ${spec.tool} answered wrongly: ${JSON.stringify(result).slice(0, 300)}`);
      }
    },
    async close() {
      const started = performance.now();
      await client.close();
      return performance.now() - started;
    },
  };
}
