// Two replicas of the real CLI (HTTP front door) sharing a requestState key, with no balancer in between, so which
// replica gets each request is the test's choice: a 2026-era client's input_required round trip from a 2026-era
// downstream completes on the other replica (the wrapped state is self-contained); a suspended 2025-era downstream
// call retried on the other replica fails at once, saying why; a replica with another key refuses the state.
// apps/proxy/test/haproxy.test.ts does the same through a real HAProxy.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { postModern, type RpcReply } from './helpers/mcp-http.js';

const SHARED_KEY = 'replicas-share-this-key-of-at-least-32-chars';
const ELICITATION = { elicitation: { form: {} } };

type Result = { resultType?: string; requestState?: string; inputRequests?: Record<string, { method: string }>; content?: Array<{ text?: string }> };
const resultOf = (reply: RpcReply) => {
  expect(reply.status, JSON.stringify(reply.message)).toBe(200);
  expect(reply.message?.error, JSON.stringify(reply.message)).toBeUndefined();
  return reply.message?.result as Result;
};
const textOf = (result: Result) => result.content?.map((c) => c.text ?? '').join('') ?? '';

describe('requestState across replicas (2026-07-28 clients)', () => {
  const t = tempDir();
  let one: HttpProxy;
  let two: HttpProxy;
  let stranger: HttpProxy;

  beforeAll(async () => {
    writeFileSync(
      t.path('c.json'),
      JSON.stringify({ mcpServers: { modern: fixtureServerEntry('modern'), asks: fixtureServerEntry('conformance-mrtr') }, startupBudgetMs: 20_000 }),
    );
    const args = ['--config', t.path('c.json')];
    [one, two, stranger] = await Promise.all([
      startHttpProxy(args, { SWITCHBOARD_REQUEST_STATE_KEY: SHARED_KEY }),
      startHttpProxy(args, { SWITCHBOARD_REQUEST_STATE_KEY: SHARED_KEY }),
      startHttpProxy(args),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([one, two, stranger].map((proxy) => proxy?.stop()));
    t.cleanup();
  });

  it("passes a 2026-era server's input_required through, its state wrapped; the retry completes on the other replica", async () => {
    const first = resultOf(await postModern(`${one.base}/mcp`, 'tools/call', { name: 'modern__ask', arguments: { question: 'Name?' } }, ELICITATION));
    expect(first.resultType).toBe('input_required');
    expect(first.inputRequests?.answer?.method).toBe('elicitation/create');
    // Wrapped: not the server's own state (the fixture's is base64url of {"tool":"ask"}), but ours, signed.
    const own = Buffer.from(JSON.stringify({ tool: 'ask' })).toString('base64url');
    expect(first.requestState).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(first.requestState).not.toBe(own);

    const retry = {
      name: 'modern__ask',
      arguments: { question: 'Name?' },
      requestState: first.requestState,
      inputResponses: { answer: { action: 'accept', content: { answer: 'Ada' } } },
    };
    expect(textOf(resultOf(await postModern(`${two.base}/mcp`, 'tools/call', retry, ELICITATION)))).toBe('answer: Ada');
    // The same state again on the first replica: still good (it is the server's to decide, and this one accepts it).
    expect(textOf(resultOf(await postModern(`${one.base}/mcp`, 'tools/call', retry, ELICITATION)))).toBe('answer: Ada');
  });

  it('refuses the state on a replica with another key, and for another tool, with -32602', async () => {
    const first = resultOf(await postModern(`${one.base}/mcp`, 'tools/call', { name: 'modern__ask', arguments: {} }, ELICITATION));
    const answers = { answer: { action: 'accept', content: { answer: 'x' } } };
    const foreign = await postModern(
      `${stranger.base}/mcp`,
      'tools/call',
      { name: 'modern__ask', arguments: {}, requestState: first.requestState, inputResponses: answers },
      ELICITATION,
    );
    expect(foreign.message?.error).toMatchObject({ code: -32602, message: expect.stringContaining('integrity check') });
    const misapplied = await postModern(
      `${two.base}/mcp`,
      'tools/call',
      { name: 'modern__think', arguments: {}, requestState: first.requestState, inputResponses: answers },
      ELICITATION,
    );
    expect(misapplied.message?.error).toMatchObject({ code: -32602, message: expect.stringContaining('modern') });
  });

  it('answers -32021 when the 2026-era server asks for input the client did not declare it can give', async () => {
    const reply = await postModern(`${one.base}/mcp`, 'tools/call', { name: 'modern__think', arguments: { prompt: 'hi' } }, ELICITATION);
    expect(reply.message?.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });
  });

  it('fails fast, saying why, when a suspended 2025-era downstream call is retried on the other replica', async () => {
    const call = { name: 'asks__test_input_required_result_elicitation', arguments: {} };
    const first = resultOf(await postModern(`${one.base}/mcp`, 'tools/call', call, ELICITATION));
    expect(first.resultType).toBe('input_required');
    const [key] = Object.keys(first.inputRequests ?? {});
    const inputResponses = { [key!]: { action: 'accept', content: { name: 'Ada' } } };
    // A 5 s limit on the answer: failing fast means no waiting for a call that is not there.
    const elsewhere = await postModern(`${two.base}/mcp`, 'tools/call', { ...call, requestState: first.requestState, inputResponses }, ELICITATION, 5_000);
    expect(elsewhere.message?.error).toMatchObject({ code: -32602, message: expect.stringContaining('another replica') });
    // On its own replica the call resumes and completes.
    const home = resultOf(await postModern(`${one.base}/mcp`, 'tools/call', { ...call, requestState: first.requestState, inputResponses }, ELICITATION));
    expect(home.resultType).toBe('complete');
  });
});
