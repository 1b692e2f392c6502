import { describe, expect, it } from 'vitest';
import type { LooseRequest, LooseResult } from '../util/schemas.js';
import { MAX_INPUT_ROUNDS, bridgeInputRequired, unwrapRetry, wrapResult, type RequestStateWrapper, type StateBinding } from './input-bridge.js';

const inputRequired = (requests: Record<string, unknown>, requestState?: string): LooseResult => ({
  resultType: 'input_required',
  inputRequests: requests,
  ...(requestState !== undefined ? { requestState } : {}),
});

describe('the reverse bridge (input_required for a 2025-era client)', () => {
  it('asks the client each input request, then retries with inputResponses and the requestState, round after round', async () => {
    const asked: LooseRequest[] = [];
    const retries: unknown[] = [];
    const answers = [
      inputRequired({ second: { method: 'sampling/createMessage', params: { maxTokens: 5 } } }, 'state-2'),
      { resultType: 'complete', content: [{ type: 'text', text: 'done' }] },
    ];
    const result = await bridgeInputRequired(
      inputRequired({ a: { method: 'elicitation/create', params: { message: 'name?' } }, b: { method: 'roots/list' } }, 'state-1'),
      { server: 's', label: 'tools/call "x"' },
      async (request) => {
        asked.push(request);
        return { answer: request.method };
      },
      async (extra) => {
        retries.push(extra);
        return answers.shift()!;
      },
    );
    expect(result).toEqual({ resultType: 'complete', content: [{ type: 'text', text: 'done' }] });
    expect(asked.map((r) => r.method)).toEqual(['elicitation/create', 'roots/list', 'sampling/createMessage']);
    expect(asked[0]).toEqual({ method: 'elicitation/create', params: { message: 'name?' } });
    expect(retries).toEqual([
      { inputResponses: { a: { answer: 'elicitation/create' }, b: { answer: 'roots/list' } }, requestState: 'state-1' },
      { inputResponses: { second: { answer: 'sampling/createMessage' } }, requestState: 'state-2' },
    ]);
  });

  it('refuses an input request it cannot relay, and gives up on a server that never stops asking', async () => {
    const never = () => Promise.reject(new Error('not asked'));
    await expect(bridgeInputRequired(inputRequired({ a: { method: 'tools/call' } }), { server: 's', label: 'x' }, never, never)).rejects.toMatchObject({
      data: { code: 'SWB_INPUT_REQUIRED', method: 'tools/call' },
    });
    let retries = 0;
    const again = inputRequired({}, 'again');
    await expect(
      bridgeInputRequired(again, { server: 's', label: 'x' }, never, async () => {
        retries++;
        return again;
      }),
    ).rejects.toMatchObject({ data: { code: 'SWB_INPUT_REQUIRED', rounds: MAX_INPUT_ROUNDS } });
    expect(retries).toBe(MAX_INPUT_ROUNDS);
  });
});

describe('pass-through (a 2026-era client): requestState wrapped on the way up, unwrapped on the retry', () => {
  const binding: StateBinding = { server: 's', method: 'tools/call', target: 'ask' };
  const states: RequestStateWrapper = {
    wrap: (state, b) => `ours:${b.server}:${b.target}:${state}`,
    unwrap: (token, b) => (token.startsWith(`ours:${b.server}:${b.target}:`) ? token.slice(`ours:${b.server}:${b.target}:`.length) : undefined),
  };

  it('wraps the server state, unwraps the client retry, and refuses a state that is not ours', () => {
    const wrapped = wrapResult(inputRequired({}, 'inner'), binding, states);
    expect(wrapped.requestState).toBe('ours:s:ask:inner');
    expect(unwrapRetry({ name: 'ask', requestState: wrapped.requestState }, binding, states)).toEqual({ name: 'ask', requestState: 'inner' });
    expect(unwrapRetry({ name: 'ask' }, binding, states)).toEqual({ name: 'ask' });
    expect(() => unwrapRetry({ name: 'ask', requestState: 'forged' }, binding, states)).toThrow(/Invalid requestState/);
    expect(() => unwrapRetry({ name: 'other', requestState: wrapped.requestState }, { ...binding, target: 'other' }, states)).toThrow(/Invalid requestState/);
    const complete = { resultType: 'complete' };
    expect(wrapResult(complete, binding, states)).toBe(complete);
  });
});
