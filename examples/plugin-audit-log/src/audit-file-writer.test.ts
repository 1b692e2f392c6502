import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditFileWriter } from './audit-file-writer.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-writer-'));
  file = join(dir, 'audit.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
const linesOf = (path: string) => read(path).split('\n').filter(Boolean);
/** Every line across the rotated set, oldest first. */
function allLines(maxFiles: number): string[] {
  const files = [];
  for (let n = maxFiles; n >= 1; n--) files.push(`${file}.${n}`);
  files.push(file);
  return files.flatMap(linesOf);
}

describe('AuditFileWriter', () => {
  it('queues without touching the disk, then writes every line in order on flush', async () => {
    const writer = new AuditFileWriter({ file, maxBytes: 1 << 20, maxFiles: 2 });
    await writer.open();
    for (let i = 0; i < 5; i++) expect(writer.write(`{"n":${i}}`)).toBe(true);
    // No await since the writes: nothing can have reached the file yet, so write() did no I/O of its own.
    expect(read(file)).toBe('');
    expect(writer.pending).toBeGreaterThan(0);
    await writer.flush();
    expect(read(file)).toBe('{"n":0}\n{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');
    expect(writer.pending).toBe(0);
    await writer.close();
  });

  it('keeps the order of writes made while earlier batches are being written', async () => {
    const writer = new AuditFileWriter({ file, maxBytes: 1 << 20, maxFiles: 2 });
    await writer.open();
    const expected: string[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 25; i++) {
        const line = `r${round}-${i}`;
        expected.push(line);
        writer.write(line);
      }
      // Let the drain start on this round's batch before the next round queues more.
      await new Promise((resolve) => setImmediate(resolve));
      if (round % 5 === 0) await writer.flush();
    }
    await writer.flush();
    expect(linesOf(file)).toEqual(expected);
    await writer.close();
  });

  it('appends to an existing file instead of replacing it', async () => {
    writeFileSync(file, 'earlier\n');
    const writer = new AuditFileWriter({ file, maxBytes: 1 << 20, maxFiles: 2 });
    await writer.open();
    writer.write('later');
    await writer.close();
    expect(read(file)).toBe('earlier\nlater\n');
  });

  it('creates missing folders', async () => {
    const nested = join(dir, 'a', 'b', 'audit.jsonl');
    const writer = new AuditFileWriter({ file: nested, maxBytes: 1 << 20, maxFiles: 1 });
    await writer.open();
    writer.write('x');
    await writer.close();
    expect(read(nested)).toBe('x\n');
  });

  it('rotates by size: file → file.1 → … → file.<maxFiles>, dropping the oldest, never splitting a line', async () => {
    // Each line is 9 bytes with its newline; 35 bytes hold 3 lines.
    const writer = new AuditFileWriter({ file, maxBytes: 35, maxFiles: 2 });
    await writer.open();
    const lines = Array.from({ length: 14 }, (_, i) => `line-${String(i).padStart(3, '0')}`);
    for (const line of lines) writer.write(line);
    await writer.close();

    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(35);
    // 14 lines in files of 3: the live file holds the last 2, .1 and .2 three each; the oldest 6 are gone.
    expect(linesOf(file)).toEqual(['line-012', 'line-013']);
    expect(linesOf(`${file}.1`)).toEqual(['line-009', 'line-010', 'line-011']);
    expect(linesOf(`${file}.2`)).toEqual(['line-006', 'line-007', 'line-008']);
    expect(allLines(2)).toEqual(lines.slice(6));
  });

  it('rotates across several flushes and restarts, counting what the file already holds', async () => {
    const first = new AuditFileWriter({ file, maxBytes: 35, maxFiles: 3 });
    await first.open();
    first.write('line-000');
    first.write('line-001');
    await first.close();
    // A new process: the file already holds 18 bytes, so one more line fits and the next starts a new file.
    const second = new AuditFileWriter({ file, maxBytes: 35, maxFiles: 3 });
    await second.open();
    second.write('line-002');
    await second.flush();
    second.write('line-003');
    await second.close();
    expect(linesOf(`${file}.1`)).toEqual(['line-000', 'line-001', 'line-002']);
    expect(linesOf(file)).toEqual(['line-003']);
  });

  it('with maxFiles 0 keeps no history: the file starts over', async () => {
    const writer = new AuditFileWriter({ file, maxBytes: 25, maxFiles: 0 });
    await writer.open();
    for (let i = 0; i < 5; i++) writer.write(`line-00${i}`);
    await writer.close();
    expect(readdirSync(dir)).toEqual(['audit.jsonl']);
    expect(linesOf(file)).toEqual(['line-004']);
  });

  it('gives a line longer than maxBytes a file of its own rather than losing or splitting it', async () => {
    const writer = new AuditFileWriter({ file, maxBytes: 10, maxFiles: 5 });
    await writer.open();
    writer.write('short');
    writer.write('a-line-much-longer-than-ten-bytes');
    writer.write('next');
    await writer.close();
    expect(allLines(5)).toEqual(['short', 'a-line-much-longer-than-ten-bytes', 'next']);
    expect(linesOf(`${file}.1`)).toEqual(['a-line-much-longer-than-ten-bytes']);
  });

  it('close() writes everything still queued, is idempotent, and refuses later writes', async () => {
    const writer = new AuditFileWriter({ file, maxBytes: 1 << 20, maxFiles: 1 });
    await writer.open();
    for (let i = 0; i < 100; i++) writer.write(`n${i}`);
    await Promise.all([writer.close(), writer.close()]);
    expect(linesOf(file)).toHaveLength(100);
    expect(writer.write('after close')).toBe(false);
    await writer.flush();
    expect(read(file)).not.toContain('after close');
  });

  it('drops lines beyond maxPendingLines and reports how many', async () => {
    const dropped: number[] = [];
    const writer = new AuditFileWriter({ file, maxBytes: 1 << 20, maxFiles: 1, maxPendingLines: 3, onDropped: (n) => dropped.push(n) });
    await writer.open();
    const accepted = ['a', 'b', 'c', 'd', 'e'].map((line) => writer.write(line));
    expect(accepted).toEqual([true, true, true, false, false]);
    await writer.close();
    expect(linesOf(file)).toEqual(['a', 'b', 'c']);
    expect(dropped).toEqual([2]);
  });

  it('fails to open a path that is a folder', async () => {
    mkdirSync(file);
    const writer = new AuditFileWriter({ file, maxBytes: 100, maxFiles: 1 });
    await expect(writer.open()).rejects.toThrow();
  });

  it('reports a failed write with the number of lines lost and keeps going', async () => {
    const errors: Array<{ lost: number }> = [];
    const target = join(dir, 'sub', 'audit.jsonl');
    const writer = new AuditFileWriter({ file: target, maxBytes: 100, maxFiles: 1, onError: (_e, lost) => errors.push({ lost }) });
    // Never opened, and its folder is a file: the lazy open in the drain fails.
    writeFileSync(join(dir, 'sub'), 'not a folder');
    writer.write('one');
    writer.write('two');
    await writer.flush();
    expect(errors).toEqual([{ lost: 2 }]);
    rmSync(join(dir, 'sub'));
    writer.write('three');
    await writer.close();
    expect(read(target)).toBe('three\n');
  });

  it('rejects nonsense limits', () => {
    expect(() => new AuditFileWriter({ file, maxBytes: 0, maxFiles: 1 })).toThrow(/maxBytes/);
    expect(() => new AuditFileWriter({ file, maxBytes: 10, maxFiles: -1 })).toThrow(/maxFiles/);
  });
});
