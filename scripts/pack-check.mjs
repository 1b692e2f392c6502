#!/usr/bin/env node
// Pack check: what `npm publish` would upload for each published workspace is exactly what it needs.
//
//   node scripts/pack-check.mjs                 check every published workspace (needs the build: npm run build)
//   node scripts/pack-check.mjs <name>...       only these packages (by package name)
//   --root <dir>                                the repository root (default: this script's parent folder)
//   --json                                      print { packages: [{ name, dir, files, problems }] } instead
//
// Published = every workspace package without `"private": true`. For each, `npm pack --dry-run --json` lists the
// files the tarball would hold, and the check asks:
//   - every file is under dist/ (no tests, no source maps, no build info) or is package.json, README.md,
//     LICENSE or CHANGELOG.md: no src/, no test/, no tsconfig;
//   - exports["."] has `types` and `import`, and every file that exports, main, types and bin point to is packed;
//   - engines.node, license and repository (git, with `directory` = the workspace folder) are set;
//   - README.md is packed, and `files` lists CHANGELOG.md (created by `changeset version` at the first release,
//     so its absence before then is fine).
// Exit code 0 when every package passes, 1 when one does not (each problem is printed), 2 on bad usage.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files a package may hold outside dist/. */
const TOP_LEVEL = /^(package\.json|README\.md|LICENSE(\.md|\.txt)?|CHANGELOG\.md)$/;
/** Files under dist/ that are not for users: compiled tests, source maps, TypeScript build info. */
const NOT_SHIPPED = [
  [/(^|\/)[^/]*\.(test|spec)\.[cm]?[jt]s$|(^|\/)[^/]*\.(test|spec)\.d\.[cm]?ts$/, 'a compiled test'],
  [/\.map$/, 'a source map'],
  [/\.tsbuildinfo$/, 'TypeScript build info'],
  [/(^|\/)(__tests__|test|tests)\//, 'a test folder'],
];

function parseArgs(argv) {
  const options = { root: fileURLToPath(new URL('..', import.meta.url)), json: false, only: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--root') {
      const value = argv[++i];
      if (!value) throw new Error('--root needs a folder');
      options.root = resolve(value);
    } else if (arg === '--json') options.json = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg} (try --help)`);
    else options.only.push(arg);
  }
  return options;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The workspace folders of the root package.json (`dir/*` patterns and plain folders), relative, with `/`. */
export function workspaceDirs(root) {
  const manifest = readJson(join(root, 'package.json'));
  const patterns = Array.isArray(manifest.workspaces) ? manifest.workspaces : (manifest.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    const clean = pattern.replace(/\/+$/, '');
    if (clean.endsWith('/*')) {
      const parent = join(root, clean.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent).sort()) {
        const dir = join(parent, entry);
        if (statSync(dir).isDirectory() && existsSync(join(dir, 'package.json'))) dirs.push(relative(root, dir).split(sep).join('/'));
      }
    } else if (clean.includes('*')) {
      throw new Error(`workspace pattern ${pattern} is not supported by pack-check (only "dir/*" and plain folders)`);
    } else if (existsSync(join(root, clean, 'package.json'))) dirs.push(clean);
  }
  return dirs;
}

/** Every workspace package without `"private": true`: { name, dir, manifest }. */
export function publishedWorkspaces(root) {
  return workspaceDirs(root)
    .map((dir) => ({ dir, manifest: readJson(join(root, dir, 'package.json')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir, manifest }));
}

/** `npm pack --dry-run --json` for these workspaces: Map of package name → packed file paths. */
export function packedFiles(root, names) {
  const args = ['pack', '--dry-run', '--json', '--ignore-scripts', ...names.flatMap((name) => ['-w', name])];
  const result = spawnSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' });
  if (result.error) throw new Error(`could not run npm: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  const start = result.stdout.indexOf('[');
  if (start < 0) throw new Error(`npm pack printed no JSON:\n${result.stdout}\n${result.stderr}`);
  const packs = JSON.parse(result.stdout.slice(start));
  return new Map(packs.map((pack) => [pack.name, pack.files.map((file) => file.path.split(sep).join('/'))]));
}

/** Every file an `exports` value points to (conditions and subpaths walked; patterns with `*` skipped). */
function exportTargets(value) {
  if (typeof value === 'string') return value.includes('*') ? [] : [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

const normalise = (target) => target.replace(/^\.\//, '');

/**
 * The problems of one package: `manifest` is its package.json, `files` the paths `npm pack` would pack, `dir`
 * its workspace folder relative to the root (with `/`). An empty list means it passes.
 */
export function checkPackage({ manifest, files, dir }) {
  const problems = [];
  const packed = new Set(files);
  const fix = (message, how) => problems.push(how ? `${message} (fix: ${how})` : message);
  // A bin shim outside dist/ is allowed: it must exist before the build, so npm links it at install time.
  const binShims = new Set(Object.values(typeof manifest.bin === 'string' ? { bin: manifest.bin } : (manifest.bin ?? {})).map(normalise));

  if (!files.some((file) => file.startsWith('dist/'))) {
    fix('nothing under dist/ is packed', 'run `npm run build` first, and make sure "files" includes "dist"');
  }
  for (const file of files) {
    if (file.startsWith('dist/')) {
      const bad = NOT_SHIPPED.find(([pattern]) => pattern.test(file.slice('dist/'.length)));
      if (bad) fix(`${file} is packed, but it is ${bad[1]}`, 'exclude it in "files" (e.g. "!dist/**/*.test.*", "!dist/**/*.map") or in tsconfig.build.json');
    } else if (!TOP_LEVEL.test(file) && !binShims.has(file)) {
      fix(
        `${file} is packed, but only dist/, package.json, README.md, LICENSE, CHANGELOG.md and bin shims belong in the package`,
        'list only "dist" and those files in "files"',
      );
    }
  }

  const root = manifest.exports?.['.'] ?? (typeof manifest.exports === 'string' || Array.isArray(manifest.exports) ? undefined : manifest.exports);
  if (!manifest.exports) fix('has no "exports"', 'add "exports": { ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" } }');
  else if (!root || typeof root !== 'object' || Array.isArray(root))
    fix('exports["."] is not an object with conditions', 'use { "types": "./dist/index.d.ts", "import": "./dist/index.js" }');
  else {
    const keys = Object.keys(root);
    for (const condition of ['types', 'import']) {
      if (typeof root[condition] !== 'string') fix(`exports["."] has no "${condition}"`, `add "${condition}" pointing into dist/`);
    }
    // TypeScript reads conditions in order: "types" after "import" is never seen.
    if (keys.includes('types') && keys.indexOf('types') !== 0) fix('exports["."].types is not the first condition', 'put "types" first');
  }
  const pointers = [
    ...exportTargets(manifest.exports).map((target) => ['exports', target]),
    ...['main', 'types', 'typings', 'module'].filter((key) => typeof manifest[key] === 'string').map((key) => [key, manifest[key]]),
    ...(typeof manifest.bin === 'string' ? [['bin', manifest.bin]] : Object.entries(manifest.bin ?? {}).map(([name, target]) => [`bin.${name}`, target])),
  ];
  for (const [field, target] of pointers) {
    if (!packed.has(normalise(target))) fix(`${field} points to ${target}, which is not in the package`, 'build it, or fix the path or "files"');
  }

  if (typeof manifest.engines?.node !== 'string' || !manifest.engines.node.trim()) fix('has no engines.node', 'add "engines": { "node": ">=20" }');
  if (typeof manifest.license !== 'string' || !manifest.license) fix('has no "license"', 'add "license": "MIT"');
  const repository = manifest.repository;
  if (!repository || typeof repository !== 'object' || typeof repository.url !== 'string' || !repository.url) {
    fix('has no "repository" with a "url"', `add "repository": { "type": "git", "url": "<the repository's git URL>", "directory": "${dir}" }`);
  } else {
    if (repository.type !== 'git') fix(`repository.type is ${JSON.stringify(repository.type)}`, 'use "git"');
    if (repository.directory !== dir)
      fix(`repository.directory is ${JSON.stringify(repository.directory)}, but the package is in ${dir}`, `set it to "${dir}"`);
  }

  if (!packed.has('README.md')) fix('README.md is not packed', `write ${dir}/README.md (it is the npm page) and list it in "files"`);
  if (!Array.isArray(manifest.files))
    fix('has no "files"', 'list what to publish: ["dist", "!dist/**/*.test.*", "!dist/**/*.map", "README.md", "CHANGELOG.md"]');
  else if (!manifest.files.includes('CHANGELOG.md')) fix('"files" does not list CHANGELOG.md', 'add "CHANGELOG.md": changesets writes it at release');
  return problems;
}

/** Checks the published workspaces of `root` (or those named in `only`): [{ name, dir, files, problems }]. */
export function packCheck(root, only = []) {
  const all = publishedWorkspaces(root);
  const unknown = only.filter((name) => !all.some((p) => p.name === name));
  if (unknown.length) throw new Error(`not a published workspace: ${unknown.join(', ')}; published: ${all.map((p) => p.name).join(', ')}`);
  const chosen = only.length ? all.filter((p) => only.includes(p.name)) : all;
  if (!chosen.length) return [];
  const packs = packedFiles(
    root,
    chosen.map((p) => p.name),
  );
  return chosen.map(({ name, dir, manifest }) => {
    const files = packs.get(name);
    if (!files) return { name, dir, files: [], problems: ['npm pack did not list it'] };
    return { name, dir, files, problems: checkPackage({ manifest, files, dir }) };
  });
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`pack-check: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write('usage: node scripts/pack-check.mjs [--root <dir>] [--json] [package name...]\n');
    return 0;
  }
  let results;
  try {
    results = packCheck(options.root, options.only);
  } catch (error) {
    process.stderr.write(`pack-check: ${error.message}\n`);
    return 2;
  }
  const failed = results.filter((r) => r.problems.length);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ packages: results }, null, 2)}\n`);
  } else {
    for (const { name, dir, files, problems } of results) {
      if (!problems.length) process.stdout.write(`ok    ${name} (${dir}): ${files.length} files\n`);
      else process.stdout.write(`FAIL  ${name} (${dir}):\n${problems.map((p) => `      - ${p}\n`).join('')}`);
    }
    process.stdout.write(`pack-check: ${results.length - failed.length} of ${results.length} published packages pass\n`);
  }
  return failed.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
