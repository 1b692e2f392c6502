// Bundles the built CLI (dist/cli-main.js, tsc's output) into dist/cli.js and a few chunks beside it (dist/cli.*.js).
//
// Why: Node 20 loads ES modules one file at a time (resolve, read, compile, link), and that per-module cost was
// most of the CLI's start-up: a stdio run loaded ~530 modules before it answered `initialize`. Bundled are our own
// packages the run needs (kernel, hub, the built-in plugins, this app) and their private dependencies (tsyringe,
// semver, commander, ...). External stay the packages that plugins share with the host (plugin-api, zod, the MCP
// SDK: one copy, so `instanceof` and schemas work across them), the optional and HTTP plugins (loaded on demand,
// from node_modules as before), pino (it locates its worker files by path), cosmiconfig (loaded on demand) and
// cross-spawn (the SDK's stdio client loads it anyway).
// The chunks sit next to cli.js so that `import.meta.url` means what it meant in tsc's output.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const here = dirname(fileURLToPath(import.meta.url));

const external = [
  /^node:/,
  /^@modelcontextprotocol\/sdk(\/|$)/,
  /^zod(\/|$)/,
  /^@mcp-switchboard\/plugin-api(\/|$)/,
  /^@mcp-switchboard\/plugin-(transport-http|pluggedin|pinning|tool-search|expose|prometheus)(\/|$)/,
  /^pino(\/|$)/,
  /^cosmiconfig(\/|$)/,
  // The SDK's stdio client loads it from node_modules anyway: one copy, not a second one in the bundle.
  /^cross-spawn(\/|$)/,
];

/** Our package whose `dist/` holds this file, or undefined (this app, or a dependency in node_modules). */
function workspacePackageOf(id) {
  const match = /^(.*\/(?:packages|plugins)\/[^/]+)\/dist\/[^/]+/.exec(id.replaceAll('\\', '/'));
  return match && !match[1].includes('/node_modules/') ? match[1] : undefined;
}

/**
 * A bundled package of ours that reads its own package.json through `import.meta.url` would read this app's instead
 * (the hub does, for its version): that read becomes the value at build time. A `require` of a package by name
 * (`createRequire(import.meta.url)('pino')`) resolves from here as well as from there: this app depends on every
 * package they load that way. Any other `import.meta` in them is an error here, not a wrong path at run time.
 */
const ownPackageJson = {
  name: 'own-package-json',
  transform(code, id) {
    const pkg = workspacePackageOf(id);
    if (!pkg || !code.includes('import.meta')) return null;
    const read = "createRequire(import.meta.url)('../package.json')";
    const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    const replaced = code.replaceAll(read, JSON.stringify({ version }));
    const byName = /createRequire\(import\.meta\.url\)\((['"])[^./'"][^'"]*\1\)/g;
    if (replaced.replace(byName, '').includes('import.meta')) throw new Error(`${id} uses import.meta in a way bundle-cli.mjs does not handle`);
    return { code: replaced, map: null };
  },
};

// The chunks of the last build go first: a chunk renamed since (its modules moved) would stay behind otherwise.
for (const file of readdirSync(join(here, 'dist'))) {
  if (/^cli(\.[\w-]+)?\.js(\.map)?$/.test(file)) rmSync(join(here, 'dist', file));
}

await build({
  input: join(here, 'dist/cli-main.js'),
  platform: 'node',
  external,
  plugins: [ownPackageJson],
  logLevel: 'warn',
  output: {
    dir: join(here, 'dist'),
    format: 'esm',
    entryFileNames: 'cli.js',
    // A chunk a third or more of whose modules are one of our packages is named after it (cli.kernel.js), else after its module (cli.boot.js).
    chunkFileNames: (chunk) => {
      const counts = new Map();
      for (const id of chunk.moduleIds) {
        const pkg = workspacePackageOf(id);
        if (pkg) counts.set(pkg, (counts.get(pkg) ?? 0) + 1);
      }
      const [pkg] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
      return pkg && counts.get(pkg) * 3 >= chunk.moduleIds.length ? `cli.${basename(pkg)}.js` : 'cli.[name].js';
    },
    sourcemap: true,
    // V8 keeps every module's source text in memory, and one character beyond Latin-1 anywhere in a file (a "…" in
    // a comment or a message) makes it two bytes per character: no comments but legal ones, and escaped non-ASCII,
    // keep the chunks' text small and one byte wide.
    comments: { legal: true, annotation: false, jsdoc: false },
    charset: 'ascii',
  },
});
