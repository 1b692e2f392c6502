import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { DirectRequests } from './direct-requests.js';

function setup(options: { failSend?: Error } = {}) {
  const sent: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  const client = { _requestMessageId: 7, onerror: (error: Error) => errors.push(error) };
  const transport = {
    send: async (message: JSONRPCMessage) => {
      if (options.failSend && 'id' in message) throw options.failSend;
      sent.push(message);
    },
  } as unknown as Transport;
  const direct = new DirectRequests(client as unknown as Client, transport);
  return { direct, sent, client, errors };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DirectRequests (relayed requests past the SDK client)', () => {
  it('writes the request with the client’s next id and hands back the very result object, unparsed', async () => {
    const { direct, sent, client } = setup();
    const pending = direct.request('tools/call', { name: 'echo', arguments: { text: 'hi' } });
    await tick();
    expect(sent).toEqual([{ method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } }, jsonrpc: '2.0', id: 7 }]);
    expect(client._requestMessageId).toBe(8);
    const result = { content: [{ type: 'text', text: 'hi' }], extra: { kept: true } };
    expect(direct.take({ jsonrpc: '2.0', id: 7, result })).toBe(true);
    await expect(pending).resolves.toBe(result);
    // Settled: a second answer with that id, a request and a notification are not ours.
    expect(direct.take({ jsonrpc: '2.0', id: 7, result: {} })).toBe(false);
    expect(direct.take({ jsonrpc: '2.0', id: 7, method: 'ping' })).toBe(false);
    expect(direct.take({ jsonrpc: '2.0', method: 'notifications/message', params: {} })).toBe(false);
  });

  it('turns an error answer into the McpError the SDK gives', async () => {
    const { direct } = setup();
    const pending = direct.request('prompts/get', { name: 'x' });
    direct.take({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'Unknown prompt', data: { name: 'x' } } });
    await expect(pending).rejects.toMatchObject({ name: 'McpError', code: -32602, message: 'MCP error -32602: Unknown prompt', data: { name: 'x' } });
  });

  it('rejects a result that is not an object with the result schema’s error, as client.request did', async () => {
    const { direct } = setup();
    const pending = direct.request('resources/read', { uri: 'x://y' });
    direct.take({ jsonrpc: '2.0', id: 7, result: [1, 2] as unknown as Record<string, unknown> });
    await expect(pending).rejects.toBeInstanceOf(ZodError);
  });

  it('on abort sends notifications/cancelled for that id and fails like the SDK; a late answer is not taken', async () => {
    const { direct, sent } = setup();
    const abort = new AbortController();
    const pending = direct.request('tools/call', { name: 'slow' }, abort.signal);
    await tick();
    abort.abort('gave up');
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.RequestTimeout, message: 'MCP error -32001: gave up' });
    await tick();
    expect(sent[1]).toEqual({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'gave up' } });
    expect(direct.take({ jsonrpc: '2.0', id: 7, result: {} })).toBe(false);

    const timeout = new McpError(ErrorCode.RequestTimeout, 'too slow');
    const second = new AbortController();
    const next = direct.request('tools/call', { name: 'slow' }, second.signal);
    second.abort(timeout);
    await expect(next).rejects.toBe(timeout);
    const already = direct.request('tools/call', {}, second.signal);
    await expect(already).rejects.toBe(timeout);
  });

  it('fails what is in flight with ConnectionClosed when the link closes, and passes a failed write through', async () => {
    const { direct } = setup();
    const a = direct.request('tools/call', { name: 'a' });
    const b = direct.request('completion/complete', {});
    direct.closed();
    await expect(a).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed, message: 'MCP error -32000: Connection closed' });
    await expect(b).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });

    const broken = new Error('write EPIPE');
    await expect(setup({ failSend: broken }).direct.request('tools/call', {})).rejects.toBe(broken);
  });

  it('start(): cancel ends a request in flight once, and does nothing after it settled', async () => {
    const { direct, sent } = setup();
    const call = direct.start('tools/call', { name: 'a' });
    await tick();
    call.cancel('first');
    call.cancel('second');
    await expect(call.result).rejects.toMatchObject({ message: 'MCP error -32001: first' });
    await tick();
    expect(sent.filter((m) => 'method' in m && m.method === 'notifications/cancelled')).toHaveLength(1);

    const done = direct.start('tools/call', { name: 'b' });
    direct.take({ jsonrpc: '2.0', id: 8, result: { ok: true } });
    done.cancel('late');
    await expect(done.result).resolves.toEqual({ ok: true });
    await tick();
    expect(sent.filter((m) => 'method' in m && m.method === 'notifications/cancelled')).toHaveLength(1);
  });
});
