// scripts/api-report.mjs: the checked-in API reports (api/*.api.md) must match the built declarations, and the
// check must fail, with a readable diff, when they do not.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './test-helpers/compile-ts.js';

const script = join(repoRoot, 'scripts', 'api-report.mjs');
const reports = [
  { key: 'plugin-api', dir: 'packages/plugin-api' },
  { key: 'testing', dir: 'packages/testing' },
] as const;

function run(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the packages' dist folders with reports freshly generated from them, to change without touching
 * the real ones (and independent of whether the checked-in reports are current: the first test checks that).
 */
function copyOfRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'api-report-'));
  temps.push(root);
  for (const { dir } of reports) cpSync(join(repoRoot, dir, 'dist'), join(root, dir, 'dist'), { recursive: true });
  const generated = run(['--root', root]);
  expect(generated.code, generated.stderr).toBe(0);
  for (const { key } of reports) expect(generated.stdout).toContain(`${key}.api.md written`);
  return root;
}

describe('the API reports', () => {
  it('are up to date with the built declarations (otherwise: npm run api-report, and commit)', () => {
    const result = run(['--check']);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/changed|missing|does not exist/);
    expect(result.code).toBe(0);
    for (const { key } of reports) expect(result.stdout).toContain(`api/${key}.api.md is up to date`);
  });

  it('hold declarations only: no comments, no source maps', () => {
    for (const { key } of reports) {
      const text = readFileSync(join(repoRoot, 'api', `${key}.api.md`), 'utf8');
      expect(text).toContain('## index.d.ts');
      expect(text).not.toMatch(/sourceMappingURL|\/\*\*/);
    }
  });

  it('fail the check when the public API changes, showing the change', () => {
    const root = copyOfRepo();
    appendFileSync(join(root, 'packages/plugin-api/dist/index.d.ts'), '\nexport declare function addedByTest(x: number): string;\n');
    const result = run(['--check', '--root', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the public API changed: run `npm run api-report` and commit the result');
    expect(result.stderr).toContain('1 line added, 0 lines removed');
    expect(result.stderr).toContain('+ export declare function addedByTest(x: number): string;');
    // The other report is still current.
    expect(result.stdout).toContain('testing.api.md is up to date');
  });

  it('fail the check when a checked-in report was edited or is missing', () => {
    const root = copyOfRepo();
    const report = join(root, 'api', 'plugin-api.api.md');
    writeFileSync(report, readFileSync(report, 'utf8').replace('export declare const apiVersion = "2.0.0";', 'export declare const apiVersion = "0.9.0";'));
    const edited = run(['--check', '--root', root, 'plugin-api']);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('- export declare const apiVersion = "0.9.0";');
    expect(edited.stderr).toContain('+ export declare const apiVersion = "2.0.0";');

    rmSync(join(root, 'api', 'testing.api.md'));
    const missing = run(['--check', '--root', root, 'testing']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/testing\.api\.md does not exist: the public API changed/);
  });

  it('ignore comment-only changes in the declarations', () => {
    const root = copyOfRepo();
    const file = join(root, 'packages/plugin-api/dist/tokens.d.ts');
    writeFileSync(
      file,
      `/** A reworded comment. */\n${readFileSync(file, 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '/** changed */')}\n//# sourceMappingURL=elsewhere.map\n`,
    );
    expect(run(['--check', '--root', root]).code).toBe(0);
  });

  it('regenerate byte-identical reports (stable order and whitespace)', () => {
    const root = copyOfRepo();
    const first = reports.map(({ key }) => readFileSync(join(root, 'api', `${key}.api.md`), 'utf8'));
    const result = run(['--root', root]);
    expect(result.code).toBe(0);
    reports.forEach(({ key }, i) => {
      expect(result.stdout).toContain(`${key}.api.md unchanged`);
      expect(readFileSync(join(root, 'api', `${key}.api.md`), 'utf8')).toBe(first[i]);
    });
  });

  it('say what to do when a package is not built', () => {
    const root = copyOfRepo();
    rmSync(join(root, 'packages/testing/dist'), { recursive: true });
    const result = run(['--check', '--root', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('@mcp-switchboard/testing: packages/testing/dist/index.d.ts is missing; build the package first');
    expect(result.stdout).toContain('plugin-api.api.md is up to date');
    expect(existsSync(join(root, 'api', 'testing.api.md'))).toBe(true);
  });
});
