import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DownstreamConnector, StdioServerDefinition } from '@mcp-switchboard/plugin-api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/** The monorepo root (where node_modules holds the reference servers). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'node_modules', '@modelcontextprotocol', 'server-everything'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('reference servers not found in any node_modules above the tests');
    dir = parent;
  }
  return dir;
})();

/** The bin script of a reference server package (from its package.json "bin"). */
export function referenceServer(pkg: 'server-everything' | 'server-memory' | 'server-filesystem'): string {
  return join(repoRoot, 'node_modules', '@modelcontextprotocol', pkg, 'dist', 'index.js');
}

/** A minimal stdio connector for tests (the product's one lives in plugins/transport-stdio). */
export function testStdioConnector(): DownstreamConnector {
  return {
    types: ['stdio'],
    async connect(server) {
      const s = server as StdioServerDefinition;
      const transport = new StdioClientTransport({
        command: s.command,
        args: s.args,
        env: { ...getDefaultEnvironment(), ...s.env },
        ...(s.cwd ? { cwd: s.cwd } : {}),
        stderr: process.env.HUB_TEST_LOG ? 'inherit' : 'ignore',
      });
      return {
        transport,
        get pid() {
          return transport.pid ?? undefined;
        },
      };
    },
  };
}

/** The capabilities the hub declares downstream, for direct comparison clients. */
export const hubDownstreamCapabilities: ClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/** A client connected straight to a stdio server, without the hub. */
export async function directStdioClient(command: string, args: string[], env: Record<string, string> = {}, setup?: (c: Client) => void): Promise<Client> {
  const client = new Client({ name: 'direct', version: '1.0.0' }, { capabilities: hubDownstreamCapabilities });
  setup?.(client);
  await client.connect(
    new StdioClientTransport({ command, args, env: { ...getDefaultEnvironment(), ...env }, stderr: process.env.HUB_TEST_LOG ? 'inherit' : 'ignore' }),
  );
  return client;
}
