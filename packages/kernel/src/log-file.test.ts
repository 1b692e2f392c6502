import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logFileDestination } from './log-file.js';
import { removeTempDirs, tempDir } from '../test/helpers.js';

afterAll(removeTempDirs);

const line = (n: number) => `${JSON.stringify({ n, pad: 'x'.repeat(80) })}\n`;

describe('the --log-file destination', () => {
  it('rotates by size and keeps a few files', async () => {
    const dir = await tempDir();
    const file = join(dir, 'switchboard.log');
    const log = logFileDestination({ file, maxBytes: 1000, keep: 2 });
    for (let n = 0; n < 50; n++) log.write(line(n));
    log.flushSync();
    expect(readdirSync(dir).sort()).toEqual(['switchboard.log', 'switchboard.log.1', 'switchboard.log.2']);
    for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name)).length).toBeLessThanOrEqual(1000);
    // The newest lines are in the live file, the ones before them in .1.
    expect(readFileSync(file, 'utf8')).toContain('"n":49');
    expect(readFileSync(`${file}.1`, 'utf8')).not.toContain('"n":49');
  });

  it('opens the file again when it (or its folder) was deleted', async () => {
    const dir = await tempDir();
    const file = join(dir, 'logs', 'switchboard.log');
    let now = 0;
    const log = logFileDestination({ file, now: () => now });
    log.write(line(1));
    rmSync(join(dir, 'logs'), { recursive: true });
    now += 5000;
    log.write(line(2));
    log.flushSync();
    expect(readFileSync(file, 'utf8')).toBe(line(2));
  });
});
