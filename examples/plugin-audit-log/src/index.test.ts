import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiVersion, coreServices, isSwitchboardPlugin, type ReporterContribution } from '@mcp-switchboard/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import defaultExport, { auditLogOptionsSchema, plugin, resolveAuditFile, type AuditRecord } from './index.js';
import { createFakeConfig, createMemoryLogger } from '@mcp-switchboard/testing';
import { toolFinished } from '../test/fakes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-plugin-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Sets the plugin up the way the kernel does: options through its schema, deps by token. */
async function setUp(options: unknown, filepath: string | undefined = join(dir, 'switchboard.config.json')) {
  const logger = createMemoryLogger();
  const parsed = plugin.options!.parse(options);
  const reporter = (await plugin.setup({ logger, config: createFakeConfig({}, filepath) }, parsed)) as ReporterContribution;
  return { reporter, logger };
}

const records = (file: string): AuditRecord[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditRecord)
    : [];

describe('the audit-log plugin', () => {
  it('is a reporter plugin made with definePlugin, depending only on core services', () => {
    expect(isSwitchboardPlugin(plugin)).toBe(true);
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'audit-log', kind: 'reporter', apiVersion });
    expect(plugin.deps).toEqual({ logger: coreServices.logger, config: coreServices.config });
  });

  it('requires `file`, defaults maxBytes to 10 MiB and maxFiles to 5, and rejects unknown options', () => {
    expect(auditLogOptionsSchema.safeParse({}).success).toBe(false);
    expect(auditLogOptionsSchema.parse({ file: 'a.jsonl' })).toEqual({ file: 'a.jsonl', maxBytes: 10 * 1024 * 1024, maxFiles: 5 });
    expect(auditLogOptionsSchema.safeParse({ file: 'a.jsonl', maxbytes: 5 }).success).toBe(false);
    expect(auditLogOptionsSchema.safeParse({ file: 'a.jsonl', maxBytes: 0 }).success).toBe(false);
  });

  it('resolves a relative file against the config file folder, else the working directory', () => {
    expect(resolveAuditFile('logs/audit.jsonl', '/etc/switchboard/switchboard.config.json', '/cwd')).toBe('/etc/switchboard/logs/audit.jsonl');
    expect(resolveAuditFile('audit.jsonl', undefined, '/cwd')).toBe('/cwd/audit.jsonl');
    expect(resolveAuditFile('/var/log/audit.jsonl', '/etc/switchboard/x.json', '/cwd')).toBe('/var/log/audit.jsonl');
  });

  it('appends one line per finished tool call, next to the config file, without argument values', async () => {
    const { reporter } = await setUp({ file: 'logs/audit.jsonl' });
    reporter.onEvent(toolFinished({ sessionId: 'A', serverId: 'echo', item: 'echo', arguments: { text: 'top-secret-value' } }));
    reporter.onEvent(toolFinished({ kind: 'prompt', item: 'greeting' }));
    reporter.onEvent(toolFinished({ sessionId: 'B', serverId: 'math', item: 'add', arguments: { b: 2, a: 1 }, durationMs: 3 }));
    reporter.onEvent(toolFinished({ sessionId: 'B', serverId: 'math', item: 'div', arguments: { a: 1, b: 0 }, success: false, error: 'division by zero' }));
    await reporter.flush!();
    const file = join(dir, 'logs', 'audit.jsonl');
    const lines = readFileSync(file, 'utf8');
    expect(lines).not.toContain('top-secret-value');
    expect(records(file)).toEqual([
      { time: '2025-01-02T03:04:05.678Z', session: 'A', server: 'echo', tool: 'echo', durationMs: 12, success: true, argumentKeys: ['text'] },
      { time: '2025-01-02T03:04:05.678Z', session: 'B', server: 'math', tool: 'add', durationMs: 3, success: true, argumentKeys: ['a', 'b'] },
      {
        time: '2025-01-02T03:04:05.678Z',
        session: 'B',
        server: 'math',
        tool: 'div',
        durationMs: 12,
        success: false,
        error: 'division by zero',
        argumentKeys: ['a', 'b'],
      },
    ]);
    await reporter.dispose!();
  });

  it('uses the working directory when there is no config file', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { reporter } = await setUp({ file: 'cwd-audit.jsonl' }, undefined);
      reporter.onEvent(toolFinished());
      await reporter.dispose!();
    } finally {
      process.chdir(cwd);
    }
    expect(records(join(dir, 'cwd-audit.jsonl'))).toHaveLength(1);
  });

  it('never waits on I/O in onEvent: it returns nothing and the line is written later', async () => {
    const { reporter } = await setUp({ file: 'audit.jsonl' });
    const file = join(dir, 'audit.jsonl');
    const returned = reporter.onEvent(toolFinished());
    expect(returned).toBeUndefined();
    expect(records(file)).toEqual([]);
    await reporter.flush!();
    expect(records(file)).toHaveLength(1);
    await reporter.dispose!();
  });

  it('writes everything still queued on dispose, with no flush before it, in the order received', async () => {
    const { reporter } = await setUp({ file: 'audit.jsonl' });
    for (let i = 0; i < 500; i++) reporter.onEvent(toolFinished({ item: `tool-${i}`, callId: `c${i}` }));
    await reporter.dispose!();
    expect(records(join(dir, 'audit.jsonl')).map((r) => r.tool)).toEqual(Array.from({ length: 500 }, (_, i) => `tool-${i}`));
  });

  it('rotates with the configured limits', async () => {
    const { reporter } = await setUp({ file: 'audit.jsonl', maxBytes: 1000, maxFiles: 2 });
    for (let i = 0; i < 60; i++) reporter.onEvent(toolFinished({ item: `tool-${String(i).padStart(2, '0')}` }));
    await reporter.dispose!();
    const file = join(dir, 'audit.jsonl');
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    const kept = [...records(`${file}.2`), ...records(`${file}.1`), ...records(file)].map((r) => r.tool);
    // The newest calls survive, contiguous and in order; the oldest were dropped with the oldest file.
    expect(kept.length).toBeLessThan(60);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `tool-${String(60 - kept.length + i).padStart(2, '0')}`));
  });

  it('fails set-up with a message naming the file when it cannot be opened', async () => {
    mkdirSync(join(dir, 'taken.jsonl'));
    await expect(setUp({ file: 'taken.jsonl' })).rejects.toThrow(/audit-log: cannot open .*taken\.jsonl/);
  });
});
