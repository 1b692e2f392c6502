// Lists the real tools of the reference servers and our fixture servers once, and writes them to
// test/fixtures/catalog.json for the retrieval test set and the bench. Run after `npx turbo run build`:
//   node plugins/tool-search/scripts/snapshot-catalog.mjs
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fixturePath } from '@mcp-switchboard/testing';

const bin = (name) => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tool-search-snapshot-'));
const servers = {
  everything: { command: bin('mcp-server-everything'), args: [] },
  memory: { command: bin('mcp-server-memory'), args: [], env: { MEMORY_FILE_PATH: join(scratch, 'memory.jsonl') } },
  filesystem: { command: bin('mcp-server-filesystem'), args: [scratch] },
  echo: { command: process.execPath, args: [fixturePath('echo')] },
  conformance: { command: process.execPath, args: [fixturePath('conformance')] },
  progress: { command: process.execPath, args: [fixturePath('progress')] },
};

const catalog = {};
for (const [id, { command, args, env }] of Object.entries(servers)) {
  const client = new Client({ name: 'snapshot', version: '1.0.0' }, { capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {} } });
  await client.connect(new StdioClientTransport({ command, args, env: { ...process.env, ...env }, stderr: 'ignore' }));
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  catalog[id] = tools.map(({ name, title, description, inputSchema, annotations }) => ({ name, title, description, inputSchema, annotations }));
  await client.close();
  process.stderr.write(`${id}: ${tools.length} tools\n`);
}
const out = fileURLToPath(new URL('../test/fixtures/catalog.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(catalog, null, 2)}\n`);
process.stderr.write(`written ${out}\n`);
