// A stdio MCP server for supervision tests (plain ESM, run with node):
//   pid      answers its process id
//   hang     never answers (until cancelled)
//   garbage  writes three lines that are not JSON-RPC to stdout, then answers
// Every start appends a line to the file named by CRASHY_STARTS (if set), so a test can count starts.
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

if (process.env.CRASHY_STARTS) appendFileSync(process.env.CRASHY_STARTS, `${process.pid}\n`);

const server = new McpServer({ name: 'crashy', version: '1.0.0' });
server.registerTool('pid', { description: 'process id' }, async () => ({ content: [{ type: 'text', text: String(process.pid) }] }));
server.registerTool('hang', { description: 'never answers' }, async (extra) => {
  await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
  return { content: [] };
});
server.registerTool('garbage', { description: 'writes garbage to stdout' }, async () => {
  for (let i = 0; i < 3; i++) process.stdout.write(`this is not json-rpc ${i}\n`);
  return { content: [{ type: 'text', text: 'garbage sent' }] };
});
await server.connect(new StdioServerTransport());
