// Draining on SIGTERM through the real CLI (HTTP front door), as a load balancer sees it: /ready turns 503 at once
// while /health stays 200, new sessions are refused, the sessions it holds are still served, calls in flight finish,
// then the process exits 0. Clients here act like a balancer: they start no call once /ready said 503.
// haproxy.test.ts runs the same with a real HAProxy in front.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { openSession, postRpc, resultText } from './helpers/mcp-http.js';

describe('SIGTERM drains the HTTP front door', () => {
  const t = tempDir();
  let proxy: HttpProxy | undefined;
  afterAll(async () => {
    await proxy?.stop();
    t.cleanup();
  });

  it('turns /ready to 503 first, refuses new sessions, serves open ones, finishes calls in flight, exits 0', async () => {
    writeFileSync(
      t.path('c.json'),
      JSON.stringify({
        mcpServers: { echo: fixtureServerEntry('echo'), progress: fixtureServerEntry('progress') },
        http: { drainDelayMs: 5000, shutdownGraceMs: 20_000 },
      }),
    );
    proxy = await startHttpProxy(['--config', t.path('c.json')]);
    const url = `${proxy.base}/mcp`;
    const exited = new Promise<number | null>((resolve) => proxy!.child.once('close', (code) => resolve(code)));
    // A balancer sends nothing before /ready says 200 (both servers started): until then it answers 503 `starting`,
    // which on a loaded machine can still be the case after the first echo calls.
    const readyBy = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${proxy.base}/ready`);
      await ready.body?.cancel();
      if (ready.status === 200) break;
      if (Date.now() > readyBy) throw new Error(`the proxy never became ready:\n${proxy.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sessions = await Promise.all(Array.from({ length: 4 }, (_, i) => openSession(url, `drain-${i}`)));
    const counts = { ok: 0, failed: 0 };
    const failures: string[] = [];
    let draining = false;

    const call = async (sessionId: string, slow: boolean, text: string): Promise<void> => {
      const params = slow ? { name: 'progress__work', arguments: { steps: 4, intervalMs: 100 } } : { name: 'echo__echo', arguments: { text } };
      try {
        const reply = await postRpc(url, { method: 'tools/call', params }, sessionId);
        if (reply.status === 200 && resultText(reply) === (slow ? 'done 4' : text)) counts.ok++;
        else throw new Error(`${reply.status} ${JSON.stringify(reply.message)}`);
      } catch (error) {
        counts.failed++;
        failures.push(String(error));
      }
    };
    const workers = sessions.map(async ({ sessionId }, i) => {
      for (let n = 0; !draining; n++) await call(sessionId, i % 2 === 1, `s${i}-${n}`);
    });
    while (counts.ok + counts.failed < 20) await new Promise((resolve) => setTimeout(resolve, 20));

    proxy.child.kill('SIGTERM');
    for (;;) {
      const ready = await fetch(`${proxy.base}/ready`);
      const body = (await ready.json()) as { status: string };
      if (ready.status === 503) {
        expect(body.status).toBe('draining');
        break;
      }
    }
    draining = true; // what a balancer does on /ready 503: no new calls
    const health = await fetch(`${proxy.base}/health`);
    expect(health.status).toBe(200);
    await health.body?.cancel();
    const fresh = await postRpc(url, {
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'late', version: '1' } },
    });
    expect(fresh.status, 'no new session while draining').toBe(503);
    // A request of an open session that was already on its way still gets its answer.
    await call(sessions[0]!.sessionId, false, 'late but served');
    await Promise.all(workers);

    expect(await exited, proxy.stderr()).toBe(0);
    console.log(`[drain e2e] ${counts.ok + counts.failed} calls around a SIGTERM: ${counts.ok} ok, ${counts.failed} failed`);
    expect(failures).toEqual([]);
    expect(proxy.stderr()).toContain('draining');
  });
});
