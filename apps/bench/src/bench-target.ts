import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { performance } from 'node:perf_hooks';

/** One measured MCP server: an SDK client connected to it, and the tool it calls. */
export interface BenchTarget {
  label: string;
  tool: string;
  /** The pid of the child process (stdio targets), for RSS readings. */
  pid?: number;
  /** Calls the tool once; rejects unless the answer echoes `text` exactly. */
  call(text: string): Promise<void>;
  /** Lists every tool, following cursors; resolves with how many there are. */
  listTools(): Promise<number>;
  /** Closes the client (and the child, for stdio); resolves with how long that took (ms). */
  close(): Promise<number>;
}

/** How a target is reached: a child process over stdio, or a URL (Streamable HTTP, or the legacy SSE transport). */
export type TargetEndpoint = { kind: 'stdio'; command: string; args: string[] } | { kind: 'streamable-http' | 'sse'; url: string };

export interface BenchTargetSpec {
  label: string;
  tool: string;
  endpoint: TargetEndpoint;
}

const stderrTailBytes = 8192;

export function describeEndpoint(endpoint: TargetEndpoint): string {
  return endpoint.kind === 'stdio' ? [endpoint.command, ...endpoint.args].join(' ') : `${endpoint.kind} ${endpoint.url}`;
}

/**
 * Connects a target. A stdio child's stderr is drained (an unread pipe would fill and stall the child) and its
 * tail kept for error messages. Calls go through `client.request`, not `callTool`: the same bytes and the same
 * client work for every target, without `callTool`'s extra listTools and output-schema validation.
 */
export async function startBenchTarget(spec: BenchTargetSpec): Promise<BenchTarget> {
  let stderrTail = '';
  let transport: Transport;
  const { endpoint } = spec;
  if (endpoint.kind === 'stdio') {
    const stdio = new StdioClientTransport({ command: endpoint.command, args: endpoint.args, stderr: 'pipe' });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-stderrTailBytes);
    });
    transport = stdio;
  } else {
    const url = new URL(endpoint.url);
    transport = endpoint.kind === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url);
  }
  const client = new Client({ name: 'switchboard-bench', version: '0.0.0' });
  const describe = (): string => `${spec.label} (${describeEndpoint(endpoint)})`;
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close();
    throw new Error(`${describe()} did not start: ${(error as Error).message}${stderrTail ? `\n--- its stderr ---\n${stderrTail}` : ''}`);
  }
  const pid = transport instanceof StdioClientTransport ? (transport.pid ?? undefined) : undefined;

  return {
    label: spec.label,
    tool: spec.tool,
    ...(pid !== undefined ? { pid } : {}),
    async call(text) {
      const result = await client.request({ method: 'tools/call', params: { name: spec.tool, arguments: { text } } }, CallToolResultSchema);
      const first = result.content[0];
      if (result.isError || first?.type !== 'text' || first.text !== text) {
        throw new Error(`${spec.label}: ${spec.tool} answered wrongly: ${JSON.stringify(result).slice(0, 300)}`);
      }
    },
    async listTools() {
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ListToolsResultSchema);
        count += page.tools.length;
        cursor = page.nextCursor;
      } while (cursor);
      return count;
    },
    async close() {
      const started = performance.now();
      await client.close();
      return performance.now() - started;
    },
  };
}
