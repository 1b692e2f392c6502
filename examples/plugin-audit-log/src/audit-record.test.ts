import { describe, expect, it } from 'vitest';
import { toAuditRecord } from './audit-record.js';
import { stdioServer, toolFinished } from '../test/fakes.js';

describe('toAuditRecord', () => {
  it('turns a finished tool call into one record with exactly the documented fields', () => {
    const record = toAuditRecord(
      toolFinished({ sessionId: 's-42', serverId: 'github', item: 'search_issues', durationMs: 87, arguments: { query: 'bug', limit: 5 } }),
    );
    expect(record).toEqual({
      time: '2025-01-02T03:04:05.678Z',
      session: 's-42',
      server: 'github',
      tool: 'search_issues',
      durationMs: 87,
      success: true,
      argumentKeys: ['limit', 'query'],
    });
    expect(Object.keys(record!)).toEqual(['time', 'session', 'server', 'tool', 'durationMs', 'success', 'argumentKeys']);
  });

  it('keeps the error of a failed call', () => {
    const record = toAuditRecord(toolFinished({ success: false, error: 'SWB_TIMEOUT: no answer within 60000 ms' }));
    expect(record).toMatchObject({ success: false, error: 'SWB_TIMEOUT: no answer within 60000 ms' });
  });

  it('records the argument names sorted, never their values', () => {
    const secrets = { token: 'sk-live-SECRET-1', nested: { password: 'hunter2-SECRET' }, list: ['SECRET-in-array'], zeta: 1, alpha: null };
    const record = toAuditRecord(toolFinished({ arguments: secrets }));
    expect(record?.argumentKeys).toEqual(['alpha', 'list', 'nested', 'token', 'zeta']);
    const line = JSON.stringify(record);
    expect(line).not.toMatch(/SECRET|hunter2/);
    expect(line).not.toContain('password');
  });

  it('gives an empty list when the call had no arguments', () => {
    expect(toAuditRecord(toolFinished({ arguments: undefined }))?.argumentKeys).toEqual([]);
  });

  it('ignores every other event: prompts, resources, started calls, state changes', () => {
    const server = stdioServer('echo');
    expect(toAuditRecord(toolFinished({ kind: 'prompt', item: 'greeting' }))).toBeUndefined();
    expect(toAuditRecord(toolFinished({ kind: 'resource', item: 'fixture://echo/readme' }))).toBeUndefined();
    expect(toAuditRecord({ type: 'call.started', callId: 'c', sessionId: 's', server, kind: 'tool', item: 'echo', at: 0 })).toBeUndefined();
    expect(toAuditRecord({ type: 'server.state', server, state: 'ready', at: 0 })).toBeUndefined();
    expect(toAuditRecord({ type: 'catalog.changed', tools: 1, prompts: 0, resources: 0, at: 0 })).toBeUndefined();
  });
});
