// Bundles tsc's output (dist/*.js) into one module, dist/index.js, the file the package exports.
//
// Why: every process of Switchboard, and of each plugin author's tests, loads the plugin API before it does
// anything; Node 20 resolves, reads, compiles and links ES modules one file at a time, and the API's seventeen
// files cost the CLI ~10 ms of its start. One file keeps one copy (instanceof and tokens work across plugins as
// before); zod, the MCP SDK and semver stay external, shared with everything else. The per-file modules stay in
// dist/ beside it (their declaration files are the types).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = join(dirname(fileURLToPath(import.meta.url)), 'dist');

await build({
  input: join(dist, 'index.js'),
  platform: 'node',
  external: [/^node:/, /^@modelcontextprotocol\/sdk(\/|$)/, /^zod(\/|$)/, /^semver(\/|$)/],
  logLevel: 'warn',
  output: {
    file: join(dist, 'index.js'),
    format: 'esm',
    sourcemap: true,
    // As the CLI's chunks: no JSDoc kept (V8 holds each module's source text), and one-byte characters only.
    comments: { legal: true, annotation: false, jsdoc: false },
    charset: 'ascii',
  },
});
