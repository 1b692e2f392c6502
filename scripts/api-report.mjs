#!/usr/bin/env node
// API reports: the public surface of the published packages, as declarations, checked in under api/.
//
//   node scripts/api-report.mjs                 write api/plugin-api.api.md and api/testing.api.md
//   node scripts/api-report.mjs --check         exit 1 (with a diff summary) when a report is out of date
//   node scripts/api-report.mjs plugin-api      only the named packages
//   --root <dir>                                the repository root (default: this script's parent folder)
//   --reports <dir>                             where reports are written / compared (default: <root>/api)
//
// A report is built from the package's built declarations (dist/*.d.ts, run the build first): index.d.ts and
// every module it references, in a stable order, reprinted by the TypeScript printer without comments (so
// source maps and doc edits do not count), with normalised whitespace.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const packages = [
  { key: 'plugin-api', name: '@mcp-switchboard/plugin-api', dir: 'packages/plugin-api' },
  { key: 'testing', name: '@mcp-switchboard/testing', dir: 'packages/testing' },
];

const FIX = 'the public API changed: run `npm run api-report` and commit the result';

function parseArgs(argv) {
  const options = { check: false, root: fileURLToPath(new URL('..', import.meta.url)), reports: undefined, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') options.check = true;
    else if (arg === '--root') options.root = resolve(argv[++i] ?? '');
    else if (arg === '--reports') options.reports = resolve(argv[++i] ?? '');
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg} (try --help)`);
    else options.only.push(arg);
  }
  options.reports ??= join(options.root, 'api');
  const unknown = options.only.filter((key) => !packages.some((p) => p.key === key));
  if (unknown.length) throw new Error(`unknown package ${unknown.join(', ')}; known: ${packages.map((p) => p.key).join(', ')}`);
  return options;
}

/** Relative module specifiers a declaration file refers to (`from './x.js'`, `import('./x.js')`). */
function referencedModules(sourceFile) {
  const specifiers = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return specifiers.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

function declarationFileFor(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base.replace(/\.(m|c)?js$/, '.d.$1ts'), `${base}.d.ts`, join(base, 'index.d.ts')];
  return candidates.find((file) => existsSync(file));
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** A declaration file reprinted without comments, with normalised whitespace. */
function normalise(file) {
  const sourceFile = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return printer
    .printFile(sourceFile)
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The report text of one package, or an error message when its declarations are not built. */
export function buildReport(pkg, root) {
  const dist = join(root, pkg.dir, 'dist');
  const entry = join(dist, 'index.d.ts');
  if (!existsSync(entry)) {
    return {
      error: `${pkg.name}: ${relative(root, entry) || entry} is missing; build the package first (npx tsc -p ${pkg.dir}/tsconfig.build.json, or npm run build)`,
    };
  }
  // Every module reachable from index.d.ts: the public surface, and nothing a refactor of internals adds.
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift();
    const sourceFile = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    for (const specifier of referencedModules(sourceFile)) {
      const target = declarationFileFor(file, specifier);
      if (!target) return { error: `${pkg.name}: ${relative(root, file)} refers to ${specifier}, which has no .d.ts in dist; rebuild the package` };
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  const rest = [...seen]
    .filter((f) => f !== entry)
    .map((f) => relative(dist, f).split('\\').join('/'))
    .sort();
  const files = ['index.d.ts', ...rest];
  const sections = files.map((name) => `## ${name}\n\n\`\`\`ts\n${normalise(join(dist, name))}\n\`\`\`\n`);
  const header = [
    `# API report: ${pkg.name}`,
    '',
    `<!-- Generated by scripts/api-report.mjs from ${pkg.dir}/dist (index.d.ts and the modules it references). Do not edit. -->`,
    '',
    'The public declarations of the package, without comments. A change to this file is a change to the public API:',
    'review it as one (semver), then regenerate it with `npm run api-report`.',
    '',
  ].join('\n');
  return { text: `${header}\n${sections.join('\n')}` };
}

/** Line diff (LCS), as `-`/`+` lines with a little context, for the summary. */
export function diffLines(before, after, { context = 2, max = 60 } = {}) {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ op: ' ', line: a[i++], at: j++ });
    else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) ops.push({ op: '+', line: b[j], at: j++ });
    else ops.push({ op: '-', line: a[i++], at: j });
  }
  const changed = ops.map((o, k) => (o.op !== ' ' ? k : -1)).filter((k) => k >= 0);
  const show = new Set();
  for (const k of changed) for (let c = k - context; c <= k + context; c++) if (c >= 0 && c < ops.length) show.add(c);
  const out = [];
  let last = -2;
  for (const k of [...show].sort((x, y) => x - y)) {
    if (k !== last + 1) out.push(`@@ report line ${ops[k].at + 1} @@`);
    out.push(`${ops[k].op} ${ops[k].line}`);
    last = k;
  }
  const added = ops.filter((o) => o.op === '+').length;
  const removed = ops.filter((o) => o.op === '-').length;
  const lines = out.length > max ? [...out.slice(0, max), `… ${out.length - max} more lines`] : out;
  return { added, removed, text: lines.join('\n') };
}

export function main(argv = process.argv.slice(2), io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    io.err(`api-report: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    io.out('usage: node scripts/api-report.mjs [--check] [--root DIR] [--reports DIR] [plugin-api] [testing]\n');
    return 0;
  }
  const selected = options.only.length ? packages.filter((p) => options.only.includes(p.key)) : packages;
  let failed = false;
  for (const pkg of selected) {
    const reportFile = join(options.reports, `${pkg.key}.api.md`);
    const shown = relative(process.cwd(), reportFile) || reportFile;
    const built = buildReport(pkg, options.root);
    if (built.error) {
      io.err(`api-report: ${built.error}\n`);
      failed = true;
      continue;
    }
    if (!options.check) {
      mkdirSync(dirname(reportFile), { recursive: true });
      const previous = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : undefined;
      writeFileSync(reportFile, built.text);
      io.out(`api-report: ${shown} ${previous === undefined ? 'written' : previous === built.text ? 'unchanged' : 'updated'}\n`);
      continue;
    }
    if (!existsSync(reportFile)) {
      io.err(`api-report: ${shown} does not exist: ${FIX}\n`);
      failed = true;
      continue;
    }
    const current = readFileSync(reportFile, 'utf8');
    if (current === built.text) {
      io.out(`api-report: ${shown} is up to date\n`);
      continue;
    }
    const diff = diffLines(current, built.text);
    const lines = (n) => `${n} line${n === 1 ? '' : 's'}`;
    io.err(
      `api-report: ${shown}: ${FIX}\n  ${lines(diff.added)} added, ${lines(diff.removed)} removed (- checked in, + built now):\n${diff.text.replace(/^/gm, '    ')}\n`,
    );
    failed = true;
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
