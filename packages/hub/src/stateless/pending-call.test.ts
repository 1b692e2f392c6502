import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UpstreamExtra } from '../connections/session-lanes.js';
import { ASK_COALESCE_MAX_MS, ASK_COALESCE_MS, PendingCall, type Attempt } from './pending-call.js';

const attempt: Attempt = { capabilities: { elicitation: {}, sampling: {} }, notify: () => undefined };
const elicit = (message: string) => ({ method: 'elicitation/create', params: { message, requestedSchema: { type: 'object', properties: {} } } });

/** A call whose downstream asks what the test makes it ask, when the test says. */
function callAsking(): { call: PendingCall; ask(message: string): void } {
  let extra!: UpstreamExtra;
  const call = new PendingCall(attempt, true, (given) => {
    extra = given;
    return new Promise(() => undefined);
  });
  return { call, ask: (message) => void extra.sendRequest(elicit(message) as never, {} as never).catch(() => undefined) };
}

afterEach(() => vi.useRealTimers());

describe('PendingCall gathers asks into one input_required', () => {
  it('waits for a quiet period, so asks spread over more than one period still go out together', async () => {
    vi.useFakeTimers();
    const { call, ask } = callAsking();
    const step = call.next(attempt);
    ask('one');
    await vi.advanceTimersByTimeAsync(ASK_COALESCE_MS - 5);
    ask('two');
    await vi.advanceTimersByTimeAsync(ASK_COALESCE_MS - 5);
    ask('three');
    await vi.advanceTimersByTimeAsync(ASK_COALESCE_MS + 5);
    const result = await step;
    expect(result.kind).toBe('input-required');
    expect(Object.keys(result.kind === 'input-required' ? result.inputRequests : {})).toEqual(['input-1', 'input-2', 'input-3']);
    call.cancel();
  });

  it('sends what it has after ASK_COALESCE_MAX_MS even when the server keeps asking', async () => {
    vi.useFakeTimers();
    const { call, ask } = callAsking();
    const step = call.next(attempt);
    let settled = false;
    void step.then(() => (settled = true));
    for (let elapsed = 0; elapsed < ASK_COALESCE_MAX_MS + 50 && !settled; elapsed += 10) {
      ask(`ask at ${elapsed}`);
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(settled).toBe(true);
    call.cancel();
  });
});
