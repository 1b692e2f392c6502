import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { removeTempDirs, tempDir } from '../test/helpers.js';

afterAll(removeTempDirs);

const readLines = async (file: string) =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('createLogger', () => {
  it('writes JSON lines to a file (creating its folder), with bindings, child bindings and fields', async () => {
    const file = join(await tempDir(), 'nested', 'switchboard.log');
    const logger = createLogger({ level: 'info', file, bindings: { app: 'test' } });
    logger.debug('hidden below the level');
    logger.child({ plugin: 'p' }).warn('careful', { attempt: 2 });
    logger.info('plain');
    logger.flush();
    const lines = await readLines(file);
    expect(lines.map((l) => [l.level, l.msg, l.app, l.plugin, l.attempt])).toEqual([
      [40, 'careful', 'test', 'p', 2],
      [30, 'plain', 'test', undefined, undefined],
    ]);
  });

  it("writes nothing at level 'silent'", async () => {
    const file = join(await tempDir(), 'silent.log');
    const logger = createLogger({ level: 'silent', file });
    logger.error('not written');
    logger.flush();
    expect(await readLines(file)).toEqual([]);
  });

  it('writes to stderr, never stdout, and loses nothing on an immediate exit', async () => {
    const dist = fileURLToPath(new URL('../dist/logger.js', import.meta.url));
    const script = `import(${JSON.stringify(dist)}).then(({ createLogger }) => { const log = createLogger({ level: 'info' }); for (let i = 0; i < 200; i++) log.info('line ' + i); process.exit(0); });`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script]);
    expect(stdout).toBe('');
    const lines = stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(200);
    expect(JSON.parse(lines[199]!).msg).toBe('line 199');
  });
});
