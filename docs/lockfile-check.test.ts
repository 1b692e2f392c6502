import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/lockfile-check.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

describe('lockfile check (npm ci on a clean clone)', () => {
  it('passes on the committed lockfile', () => {
    const result = run();
    expect(result.status, result.stderr).toBe(0);
  });

  it('names an optional dependency without an entry, and --fix drops it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockfile-check-'));
    try {
      const file = join(dir, 'package-lock.json');
      const lock = {
        lockfileVersion: 3,
        packages: {
          '': { name: 'x' },
          'node_modules/tool': { version: '1.0.0', optionalDependencies: { '@tool/linux': '1.0.0', '@tool/darwin': '1.0.0' } },
          'node_modules/@tool/linux': { version: '1.0.0' },
        },
      };
      writeFileSync(file, JSON.stringify(lock));
      const bad = run('--lockfile', file);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('node_modules/tool → @tool/darwin');
      expect(bad.stderr).not.toContain('@tool/linux');
      expect(run('--fix', '--lockfile', file).status).toBe(0);
      const fixed = JSON.parse(readFileSync(file, 'utf8'));
      expect(fixed.packages['node_modules/tool'].optionalDependencies).toEqual({ '@tool/linux': '1.0.0' });
      expect(run('--lockfile', file).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
