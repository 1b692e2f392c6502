import { fileURLToPath } from 'node:url';

/** The fixture MCP servers shipped with the test kit (built to `dist/fixtures/<name>-server.js`). */
export const fixtureNames = [
  'echo',
  'long-names',
  'list-changed',
  'exit-at-start',
  'slow-start',
  'progress',
  'conformance',
  'fault',
  'conformance-mrtr',
  'modern',
] as const;
export type FixtureName = (typeof fixtureNames)[number];

/** An `mcpServers` entry that runs a fixture with the current Node binary. */
export interface FixtureServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * Absolute path of a built fixture server, runnable as `node <path>`. Resolved from this module's own URL:
 * `src/` and `dist/` are siblings, so `../dist/fixtures/` is right both from the built package and from the
 * TypeScript sources under vitest (which still needs the package built once).
 */
export function fixturePath(name: FixtureName): string {
  if (!(fixtureNames as readonly string[]).includes(name)) {
    throw new Error(`unknown fixture "${String(name)}"; known fixtures: ${fixtureNames.join(', ')}`);
  }
  return fileURLToPath(new URL(`../dist/fixtures/${name}-server.js`, import.meta.url));
}

/**
 * A stdio server entry for a fixture, ready for an `mcpServers` config. `process.execPath` rather than
 * `node` so it runs under the same Node as the test, whatever PATH says.
 */
export function fixtureServerEntry(name: FixtureName, env: Record<string, string> = {}): FixtureServerEntry {
  return { command: process.execPath, args: [fixturePath(name)], env: { ...env } };
}
