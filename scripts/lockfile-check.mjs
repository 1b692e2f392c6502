#!/usr/bin/env node
// npm 11's `npm ci` refuses a lockfile that lists an optional dependency with no entry of its own ("Missing:
// @turbo/darwin-64@ from lock file"), which is what `npm install` writes when the registry in use does not carry
// a platform package (npm/cli#9846). This checks for such entries and, with --fix, drops them: the lockfile then
// describes what can actually be installed, and `npm ci` works on a clean clone.
// Usage: node scripts/lockfile-check.mjs [--fix] [--lockfile path]
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const fix = args.includes('--fix');
const at = args.indexOf('--lockfile');
const file = at >= 0 ? args[at + 1] : new URL('../package-lock.json', import.meta.url).pathname;

const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages ?? {};

/** Where npm would look for `name` needed by the package at `path` (nearest node_modules upwards). */
function resolves(path, name) {
  let base = path;
  for (;;) {
    if (packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}

const missing = [];
for (const [path, entry] of Object.entries(packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    if (!resolves(path, name)) missing.push({ path, name });
  }
}

if (missing.length === 0) {
  process.stdout.write('lockfile-check: every optional dependency has an entry; `npm ci` can use this lockfile\n');
  process.exit(0);
}
if (!fix) {
  process.stderr.write(
    `lockfile-check: ${missing.length} optional dependencies have no entry, so \`npm ci\` will refuse the lockfile:\n` +
      missing.map((m) => `  ${m.path || '(root)'} → ${m.name}`).join('\n') +
      '\nRun `node scripts/lockfile-check.mjs --fix` (after `npm install`) and commit package-lock.json.\n',
  );
  process.exit(1);
}
for (const { path, name } of missing) delete packages[path].optionalDependencies[name];
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`lockfile-check: dropped ${missing.length} optional dependencies this registry cannot supply\n`);
