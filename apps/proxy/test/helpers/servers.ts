import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute path of a reference server's entry script, run with `node` (no npx, no network). */
export function referenceServerPath(pkg: 'server-everything' | 'server-memory' | 'server-filesystem'): string {
  const manifest = require.resolve(`@modelcontextprotocol/${pkg}/package.json`);
  const { bin } = require(manifest) as { bin: string | Record<string, string> };
  const rel = typeof bin === 'string' ? bin : Object.values(bin)[0]!;
  return join(dirname(manifest), rel);
}

export function everythingEntry() {
  return { command: process.execPath, args: [referenceServerPath('server-everything'), 'stdio'] };
}
export function memoryEntry(memoryFile: string) {
  return { command: process.execPath, args: [referenceServerPath('server-memory')], env: { MEMORY_FILE_PATH: memoryFile } };
}
export function filesystemEntry(dir: string) {
  return { command: process.execPath, args: [referenceServerPath('server-filesystem'), dir] };
}
