// Two replicas of the real CLI (HTTP front door, same config), as a load balancer sees them. 2025-era sessions live
// in one process: a session id that reaches the replica that did not create it must get the spec's 404 (so the
// client re-initializes), at once: never a hang, never someone else's session. The load balancer's side of
// affinity is tested in haproxy.test.ts.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { openSession, postRpc, PROTOCOL_2025, resultText } from './helpers/mcp-http.js';

const SESSION_NOT_FOUND = -32001;

describe('2025-era sessions across two replicas', () => {
  const t = tempDir();
  let a: HttpProxy;
  let b: HttpProxy;

  beforeAll(async () => {
    writeFileSync(t.path('c.json'), JSON.stringify({ mcpServers: { echo: fixtureServerEntry('echo') } }));
    [a, b] = await Promise.all([startHttpProxy(['--config', t.path('c.json')]), startHttpProxy(['--config', t.path('c.json')])]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    t.cleanup();
  });

  it('answers 404 (session not found) on the replica that does not know the session, for every method, at once', async () => {
    const onA = await openSession(`${a.base}/mcp`, 'client-a');
    const onB = await openSession(`${b.base}/mcp`, 'client-b');
    expect(onA.sessionId).not.toBe(onB.sessionId);

    for (const body of [
      { method: 'tools/list' },
      { method: 'tools/call', params: { name: 'echo__echo', arguments: { text: 'lost' } } },
      { method: 'notifications/initialized', id: null },
    ]) {
      // The time limit makes a hang a failure (postRpc aborts after 5 s).
      const wrong = await postRpc(`${b.base}/mcp`, body, onA.sessionId, 5_000);
      expect(wrong.status, body.method).toBe(404);
      expect(wrong.message?.error?.code, body.method).toBe(SESSION_NOT_FOUND);
      expect(wrong.sessionId, 'no session is handed out instead').toBeUndefined();
    }
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${b.base}/mcp`, {
        method,
        headers: { Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': onA.sessionId, 'Mcp-Protocol-Version': PROTOCOL_2025 },
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status, method).toBe(404);
      await response.body?.cancel();
    }

    // Neither session was disturbed: each works on its own replica, and only there.
    const call = (base: string, sessionId: string, text: string) =>
      postRpc(`${base}/mcp`, { method: 'tools/call', params: { name: 'echo__echo', arguments: { text } } }, sessionId);
    expect(resultText(await call(a.base, onA.sessionId, 'a still here'))).toBe('a still here');
    expect(resultText(await call(b.base, onB.sessionId, 'b still here'))).toBe('b still here');

    // What the 404 asks of the client: a new session on the replica it reached, which then works.
    const again = await openSession(`${b.base}/mcp`, 'client-a');
    expect(resultText(await call(b.base, again.sessionId, 'a again, on b'))).toBe('a again, on b');
  });
});
