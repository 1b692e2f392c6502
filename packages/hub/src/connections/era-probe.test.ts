import { describe, expect, it } from 'vitest';
import { EraMemory, classifyProbe, readDiscover } from './era-probe.js';

const discover = (supportedVersions: string[]) => ({
  resultType: 'complete',
  supportedVersions,
  capabilities: { tools: {} },
  instructions: 'hi',
  _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'm', version: '2' } },
});

describe('classifyProbe (spec: versioning, backward compatibility)', () => {
  it('a DiscoverResult naming only 2026-07-28 is a modern server; one that also names a 2025 version stays on initialize', () => {
    expect(classifyProbe({ kind: 'result', result: discover(['2026-07-28']) })).toEqual({
      kind: 'verdict',
      verdict: { era: 'modern', version: '2026-07-28', how: 'discover' },
    });
    expect(classifyProbe({ kind: 'result', result: discover(['2026-07-28', '2025-11-25']) })).toEqual({
      kind: 'verdict',
      verdict: { era: 'legacy', how: 'dual-era' },
    });
    expect(classifyProbe({ kind: 'result', result: { something: 'else' } })).toMatchObject({ verdict: { era: 'legacy' } });
  });

  it('-32022 with a supported list is modern; any other error, a close or a silence is legacy (never keyed to one code)', () => {
    expect(classifyProbe({ kind: 'rpc-error', code: -32022, message: 'Unsupported protocol version', data: { supported: ['2026-07-28'] } })).toMatchObject({
      verdict: { era: 'modern' },
    });
    for (const code of [-32601, -32602, -32600, -32000, -32022]) {
      expect(classifyProbe({ kind: 'rpc-error', code, message: 'no' }), String(code)).toMatchObject({ verdict: { era: 'legacy', how: 'probe-refused' } });
    }
    expect(classifyProbe({ kind: 'closed' })).toMatchObject({ verdict: { era: 'legacy', how: 'probe-closed' } });
    expect(classifyProbe({ kind: 'timeout' })).toMatchObject({ verdict: { era: 'legacy', how: 'probe-timeout' } });
  });

  it('HTTP: a 400 body with a modern error is modern, any other 4xx legacy; an auth error or a 5xx gives no verdict', () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32022, message: 'x', data: { supported: ['2026-07-28'] } } });
    expect(classifyProbe({ kind: 'http-error', status: 400, body })).toMatchObject({ verdict: { era: 'modern', how: 'http-400' } });
    expect(classifyProbe({ kind: 'http-error', status: 400, body: 'Bad Request: no session' })).toMatchObject({ verdict: { era: 'legacy', how: 'http-400' } });
    expect(classifyProbe({ kind: 'http-error', status: 404, body: '' })).toMatchObject({ verdict: { era: 'legacy' } });
    for (const status of [401, 403, 500, 502, 503]) {
      expect(classifyProbe({ kind: 'http-error', status, body }).kind, String(status)).toBe('no-verdict');
    }
  });
});

describe('readDiscover and EraMemory', () => {
  it('reads versions, capabilities, instructions and serverInfo; remembers until forgotten', () => {
    const info = readDiscover(discover(['2026-07-28']));
    expect(info).toEqual({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, instructions: 'hi', serverInfo: { name: 'm', version: '2' } });
    expect(readDiscover({ capabilities: {} })).toBeUndefined();
    const memory = new EraMemory();
    memory.remember({ era: 'modern', version: '2026-07-28', how: 'discover' }, info);
    expect(memory.verdict?.era).toBe('modern');
    expect(memory.discover?.instructions).toBe('hi');
    memory.forget();
    expect(memory.verdict).toBeUndefined();
    expect(memory.discover).toBeUndefined();
  });
});
