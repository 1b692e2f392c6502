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

  it('never writes a key twice in one line: a field repeating a binding is dropped (same value) or kept as <key>_2', async () => {
    const file = join(await tempDir(), 'dup.log');
    const logger = createLogger({ level: 'info', file });
    const server = logger.child({ component: 'hub' }).child({ server: 'a' }).child({ server: 'a', stream: 'stderr' });
    server.info('ready', { server: 'a', pid: 12345, tools: 3 });
    logger.flush();
    const raw = await readFile(file, 'utf8');
    const line = raw.trim();
    for (const key of ['server', 'pid', 'component', 'stream']) expect(line.split(`"${key}":`).length - 1, `"${key}" in ${line}`).toBe(1);
    expect(JSON.parse(line)).toMatchObject({ server: 'a', pid: process.pid, pid_2: 12345, tools: 3, stream: 'stderr' });
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

  it('loads pino only when a line at or above its level is written (to stderr), with the bindings of its child', async () => {
    const dist = fileURLToPath(new URL('../dist/logger.js', import.meta.url));
    const script = `const { createRequire } = require('node:module');
      const pinoLoaded = () => Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]pino[\\\\/]/.test(file));
      import(${JSON.stringify(dist)}).then(({ createLogger }) => {
        const log = createLogger({ level: 'warn', bindings: { app: 't' } });
        const child = log.child({ component: 'hub' });
        log.info('below the level'); child.debug('below too'); log.flush();
        const before = pinoLoaded();
        child.warn('written', { n: 1 });
        process.stdout.write(JSON.stringify({ before, after: pinoLoaded() }));
      });`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script]);
    expect(JSON.parse(stdout)).toEqual({ before: false, after: true });
    const lines = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.msg, l.app, l.component, l.n])).toEqual([[40, 'written', 't', 'hub', 1]]);
  });
});

describe('createLogger redaction', () => {
  it('censors secret fields by name and scrubs known secret values from messages, fields and bindings', async () => {
    const { SecretRedactor } = await import('./secrets.js');
    const file = join(await tempDir(), 'redacted.log');
    const secrets = new SecretRedactor().add(['SECRET_VALUE_123']);
    const logger = createLogger({ level: 'trace', file, secrets });
    logger.child({ plugin: 'a' }).info('server said: SECRET_VALUE_123 in its stderr', {
      server: { env: { OTHER: 'unknown-but-censored' }, headers: { Authorization: 'Bearer x' } },
      authToken: 'tok-by-name',
      nested: { list: ['prefix-SECRET_VALUE_123-suffix'] },
      count: 3,
      ok: true,
    });
    secrets.add(['added-later-secret']);
    logger.warn('later: added-later-secret');
    logger.flush();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('SECRET_VALUE_123');
    expect(text).not.toContain('unknown-but-censored');
    expect(text).not.toContain('tok-by-name');
    expect(text).not.toContain('added-later-secret');
    const [first, second] = await readLines(file);
    expect(first).toMatchObject({
      msg: 'server said: **** in its stderr',
      server: { env: { OTHER: '****' }, headers: { Authorization: '****' } },
      authToken: '****',
      nested: { list: ['prefix-****-suffix'] },
      count: 3,
      ok: true,
    });
    expect(second!.msg).toBe('later: ****');
  });
});
