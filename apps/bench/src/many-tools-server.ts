#!/usr/bin/env node
// `node many-tools-server.js --tools N [--prefix P]`: a stdio MCP server that lists N tools (and answers nothing
// else), for the `tools/list` row: ten of these with 500 tools each behind the proxy, against one with 5,000.
// Built on the low-level SDK Server so the list costs the same on both sides: it is computed once at start.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { tools: { type: 'string' }, prefix: { type: 'string' }, 'bench-run': { type: 'string' } } });
const count = Number(values.tools ?? '500');
const prefix = values.prefix ?? '';
const tools: Tool[] = Array.from({ length: count }, (_, i) => ({
  name: `${prefix}tool_${i}`,
  description: `Tool number ${i} of a generated server: looks up one record by key and returns it as text.`,
  inputSchema: {
    type: 'object',
    properties: { key: { type: 'string', description: 'the record key' }, limit: { type: 'number' } },
    required: ['key'],
  },
}));

const server = new Server({ name: 'many-tools', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
process.stdin.once('end', () => process.exit(0));
await server.connect(new StdioServerTransport());
