#!/usr/bin/env node
// `node apps/bench/dist/catalog-size.js`: the bytes of `tools/list` for a 10-server catalog, per tool-search mode.
// The servers are in-process copies of the real tool lists of server-everything, server-memory, server-filesystem
// and our fixtures (plugins/tool-search/test/fixtures/catalog.json), so the run needs no child process.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestProxy } from '@mcp-switchboard/testing';
import toolSearch, { type ToolSearchOptionsInput } from '@mcp-switchboard/plugin-tool-search';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

const snapshotPath = fileURLToPath(new URL('../../../plugins/tool-search/test/fixtures/catalog.json', import.meta.url));

/** Ten servers from the snapshot's six tool lists (the first four appear twice, under other ids). */
export function tenServers(snapshot: Record<string, Tool[]> = JSON.parse(readFileSync(snapshotPath, 'utf8'))): Record<string, Tool[]> {
  const lists = Object.entries(snapshot);
  const servers: Record<string, Tool[]> = {};
  for (let i = 0; i < 10; i++) {
    const [id, tools] = lists[i % lists.length]!;
    servers[i < lists.length ? id : `${id}${Math.floor(i / lists.length) + 1}`] = tools;
  }
  return servers;
}

/** An in-process server that lists the given definitions (and answers no calls: only the list is measured). */
function listingServer(tools: Tool[]): () => McpServer {
  return () => {
    const mcp = new McpServer({ name: 'listing', version: '1.0.0' });
    mcp.server.registerCapabilities({ tools: {} });
    mcp.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
    return mcp;
  };
}

export interface ModeSize {
  mode: string;
  tools: number;
  bytes: number;
}

/** Lists the catalog through the proxy once per mode and measures the JSON of the `tools/list` result. */
export async function measureCatalogSizes(servers: Record<string, Tool[]> = tenServers()): Promise<ModeSize[]> {
  const modes: Array<[string, ToolSearchOptionsInput | undefined]> = [
    ['no plugin', undefined],
    ['all', { mode: 'all', usageFile: false }],
    [
      'hybrid (5 pinned)',
      {
        mode: 'hybrid',
        usageFile: false,
        pinned: ['filesystem/read_text_file', 'filesystem/write_file', 'memory/search_nodes', 'everything/echo', 'echo/add'],
      },
    ],
    ['search', { mode: 'search', usageFile: false }],
  ];
  const sizes: ModeSize[] = [];
  for (const [mode, options] of modes) {
    const proxy = await createTestProxy({
      servers: Object.fromEntries(Object.entries(servers).map(([id, tools]) => [id, listingServer(tools)])),
      plugins: options ? [[toolSearch, options]] : [],
    });
    try {
      const tools = await proxy.listTools();
      sizes.push({ mode, tools: tools.length, bytes: Buffer.byteLength(JSON.stringify({ tools })) });
    } finally {
      await proxy.close();
    }
  }
  return sizes;
}

export function formatCatalogSizes(sizes: readonly ModeSize[], servers: number): string {
  const all = sizes[0]?.bytes ?? 1;
  const rows = sizes.map(
    (s) => `${s.mode.padEnd(20)} ${String(s.tools).padStart(5)} tools ${String(s.bytes).padStart(8)} bytes  ${((100 * s.bytes) / all).toFixed(1).padStart(5)}%`,
  );
  return `tools/list for a ${servers}-server catalog, by tool-search mode\n${rows.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const servers = tenServers();
  measureCatalogSizes(servers).then(
    (sizes) => process.stdout.write(formatCatalogSizes(sizes, Object.keys(servers).length)),
    (error: unknown) => {
      process.stderr.write(`catalog-size: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
