import type { Stream } from 'node:stream';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cliTransport, tempDir } from './helpers/cli.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves with the first match of `pattern` in the stream's text. */
function waitFor(stream: Stream, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk) => {
      text += chunk;
      const match = text.match(pattern);
      if (match) resolve(match);
    });
  });
}

describe('first-party catalog plugins by short name, through the real CLI', () => {
  it('prometheus: `plugins: [["prometheus", { "port": 0 }]]` serves call metrics of the running proxy', async () => {
    const t = tempDir({ 'switchboard.config.json': { mcpServers: { echo: fixtureServerEntry('echo') }, plugins: [['prometheus', { port: 0 }]] } });
    cleanups.push(t.cleanup);
    const transport = cliTransport(['--config', t.path('switchboard.config.json'), '--log-level', 'info'], {}, t.dir);
    const listening = waitFor(transport.stderr!, /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"[^\n]*prometheus metrics listening/);
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(transport);
    cleanups.push(() => client.close());
    const [, url] = await listening;

    const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'hi' } });
    expect(result.isError).toBeFalsy();
    // The reporter hears the event off the hot path: poll the endpoint until it shows the call.
    let text = '';
    for (let attempt = 0; attempt < 50 && !text.includes('item="echo"'); attempt++) {
      text = await (await fetch(url!)).text();
      if (!text.includes('item="echo"')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toMatch(/switchboard_calls_total\{server="echo",kind="tool",item="echo",exposed="[^"]+",outcome="success"\} 1/);
    expect(text).toMatch(/switchboard_server_state\{server="echo",state="ready"\} 1/);
  });
});

describe('middleware plugins by short name, through the real CLI', () => {
  it('tool-search, pinning and expose together: renamed, pinned, searched and called through call_tool', async () => {
    const t = tempDir({
      'switchboard.config.json': {
        mcpServers: { echo: fixtureServerEntry('echo') },
        plugins: [
          'pinning',
          ['expose', { servers: { echo: { tools: { add: { name: 'sum' } } } } }],
          ['tool-search', { mode: 'hybrid', pinned: ['echo/echo'] }],
        ],
      },
    });
    cleanups.push(t.cleanup);
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(cliTransport(['--config', t.path('switchboard.config.json')], {}, t.dir));
    cleanups.push(() => client.close());

    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['echo__echo', 'search_tools', 'call_tool']);
    const found = await client.callTool({ name: 'search_tools', arguments: { query: 'add two numbers' } });
    expect((found.structuredContent as { results: Array<{ name: string }> }).results[0]!.name).toBe('sum');
    expect(await client.callTool({ name: 'call_tool', arguments: { name: 'sum', arguments: { a: 2, b: 3 } } })).toMatchObject({
      content: [{ type: 'text', text: '5' }],
    });
    await client.close();
    // Pinned on first use beside the config, under the server's own names.
    const lock = JSON.parse(readFileSync(t.path('switchboard.lock.json'), 'utf8'));
    expect(Object.keys(lock.servers.echo)).toEqual(['add', 'echo']);
    expect(JSON.parse(readFileSync(t.path('switchboard.tool-usage.json'), 'utf8')).tools).toEqual({ 'echo/add': { calls: 1, lastUsed: expect.any(Number) } });
  });
});
