// Two replicas of the real CLI behind a real HAProxy, configured by deploy/haproxy.cfg itself (only its bind,
// default-server and server lines are replaced by loopback ports and fast checks). Proves the deployment story of
// docs/deploy.md: 2025-era sessions stick to their replica; a session id sent straight to the wrong replica gets
// 404; 2026-era input_required round trips complete on whichever replica gets the retry (one requestState key);
// a suspended 2025-era downstream call retried on the other replica fails at once with a clear error;
// a replica stopped with SIGTERM mid-run turns /ready to 503 first, HAProxy drains it, and no request fails.
// .ci/run installs HAProxy from Debian when it is missing; where it cannot, this file is skipped with a loud message.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { repoRoot, tempDir } from './helpers/cli.js';
import { freePort, startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { openSession, postModern, postRpc, resultText } from './helpers/mcp-http.js';

const haproxyFound = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0;
if (!haproxyFound) {
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!!! SKIPPED apps/proxy/test/haproxy.test.ts: the haproxy binary is not installed here.\n` +
      '!!! The load-balancer proof of docs/deploy.md (stickiness, 404 on the wrong replica, draining on SIGTERM) did NOT run.\n' +
      `!!! Install it (Debian: apt-get install -y haproxy; .ci/run does this as root) and run the test again.\n${line}\n`,
  );
}

/** deploy/haproxy.cfg with loopback addresses and fast health checks. */
function loopbackConfig(frontPort: number, statsPort: number, replicas: Array<{ name: string; port: number }>): string {
  const shipped = readFileSync(join(repoRoot, 'deploy', 'haproxy.cfg'), 'utf8');
  let replaced = 0;
  const lines = shipped.split('\n').flatMap((line) => {
    const indent = /^\s*/.exec(line)![0];
    const directive = line.trim().split(/\s+/)[0];
    if (directive === 'bind') {
      replaced++;
      return [`${indent}bind 127.0.0.1:${frontPort}`];
    }
    if (directive === 'default-server') {
      replaced++;
      return [`${indent}default-server inter 200ms fall 2 rise 1`];
    }
    if (directive === 'server') {
      replaced++;
      const index = replaced - 3; // after bind and default-server
      const replica = replicas[index];
      return replica ? [`${indent}server ${replica.name} 127.0.0.1:${replica.port} check`] : [];
    }
    return [line];
  });
  expect(replaced, 'deploy/haproxy.cfg has one bind, one default-server and two server lines').toBe(4);
  // The test's window into HAProxy: each server's state as CSV.
  lines.push('', 'frontend stats', `    bind 127.0.0.1:${statsPort}`, '    stats enable', '    stats uri /stats', '');
  return lines.join('\n');
}

/** HAProxy's view of one backend server: UP, DOWN, NOLB, MAINT... */
async function serverStatus(statsPort: number, name: string): Promise<string> {
  const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, { signal: AbortSignal.timeout(2000) })).text();
  const header = csv.split('\n')[0]!.replace(/^# /, '').split(',');
  const row = csv
    .split('\n')
    .find((line) => line.startsWith(`switchboard,${name},`))
    ?.split(',');
  return row?.[header.indexOf('status')] ?? 'unknown';
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!haproxyFound)('two replicas behind HAProxy (deploy/haproxy.cfg)', () => {
  const t = tempDir();
  const replicas: HttpProxy[] = [];
  let haproxy: ChildProcess | undefined;
  let haproxyLog = '';
  let front = '';
  let statsPort = 0;

  beforeAll(async () => {
    writeFileSync(
      t.path('c.json'),
      JSON.stringify({
        mcpServers: {
          echo: fixtureServerEntry('echo'),
          progress: fixtureServerEntry('progress'),
          modern: fixtureServerEntry('modern'),
          asks: fixtureServerEntry('conformance-mrtr'),
        },
        // Long enough for HAProxy (checking every 200 ms, two failures to go DOWN) to see /ready turn 503 before the replica stops listening.
        http: { drainDelayMs: 3000, shutdownGraceMs: 10_000 },
      }),
    );
    // One requestState key for both, as docs/deploy.md says: a 2026-era client's retry may reach either replica.
    const env = { SWITCHBOARD_REQUEST_STATE_KEY: 'the-replicas-share-this-secret-of-32-chars-or-more' };
    replicas.push(...(await Promise.all([startHttpProxy(['--config', t.path('c.json')], env), startHttpProxy(['--config', t.path('c.json')], env)])));
    const [frontPort, stats] = [await freePort(), await freePort()];
    statsPort = stats;
    const ports = replicas.map((r, i) => ({ name: `switchboard-${i + 1}`, port: Number(new URL(r.base).port) }));
    writeFileSync(t.path('haproxy.cfg'), loopbackConfig(frontPort, statsPort, ports));
    const check = spawnSync('haproxy', ['-c', '-f', t.path('haproxy.cfg')], { encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    haproxy = spawn('haproxy', ['-db', '-f', t.path('haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', (d) => (haproxyLog += d));
    haproxy.stderr!.on('data', (d) => (haproxyLog += d));
    front = `http://127.0.0.1:${frontPort}`;
    for (const { name } of ports) await until(`HAProxy sees ${name} UP`, async () => (await serverStatus(statsPort, name)) === 'UP');
  });
  afterAll(async () => {
    haproxy?.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.stop()));
    t.cleanup();
  });

  it('keeps 2025-era sessions on their replica; the other replica answers 404 for them', async () => {
    const sessions = await Promise.all(Array.from({ length: 8 }, (_, i) => openSession(`${front}/mcp`, `sticky-${i}`)));
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        sessions.map(async ({ sessionId }, i) => {
          const reply = await postRpc(
            `${front}/mcp`,
            { method: 'tools/call', params: { name: 'echo__echo', arguments: { text: `s${i}r${round}` } } },
            sessionId,
          );
          expect(reply.status, JSON.stringify(reply.message)).toBe(200);
          expect(resultText(reply)).toBe(`s${i}r${round}`);
        }),
      );
    }
    // Straight to each replica: exactly one knows each session, the other answers 404; round-robin used both.
    const holders = await Promise.all(
      sessions.map(async ({ sessionId }) => {
        const statuses = await Promise.all(replicas.map(async (r) => (await postRpc(`${r.base}/mcp`, { method: 'tools/list' }, sessionId, 5_000)).status));
        expect([...statuses].sort()).toEqual([200, 404]);
        return statuses.indexOf(200);
      }),
    );
    expect(new Set(holders).size, 'round-robin spreads new sessions over both replicas').toBe(2);
  });

  it('serves 2026-era clients with no affinity: input_required round trips complete whichever replica gets the retry', async () => {
    // The modern fixture logs "request tools/call <id>" on stderr for each call; the replicas log it at info.
    const calls = () => replicas.map((r) => r.stderr().match(/request tools\/call/g)?.length ?? 0);
    const before = calls();
    const capabilities = { elicitation: { form: {} } };
    for (let i = 0; i < 10; i++) {
      const ask = { name: 'modern__ask', arguments: { question: `q${i}` } };
      const first = await postModern(`${front}/mcp`, 'tools/call', ask, capabilities);
      const state = (first.message?.result as { resultType?: string; requestState?: string } | undefined) ?? {};
      expect(state.resultType, JSON.stringify(first.message)).toBe('input_required');
      const retry = { ...ask, requestState: state.requestState, inputResponses: { answer: { action: 'accept', content: { answer: `a${i}` } } } };
      const done = await postModern(`${front}/mcp`, 'tools/call', retry, capabilities);
      expect(resultText(done), JSON.stringify(done.message)).toBe(`answer: a${i}`);
    }
    // Round-robin alternates: each replica took part, so retries of state handed out by one completed on the other.
    await until('both replicas to log their calls', () => calls().reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0) >= 20, 5_000);
    const served = calls().map((n, i) => n - before[i]!);
    expect(Math.min(...served), `calls per replica: ${served.join(', ')}`).toBeGreaterThanOrEqual(5);
    const list = await postModern(`${front}/mcp`, 'tools/list');
    const tools = (list.message?.result as { tools?: Array<{ name: string }> } | undefined)?.tools ?? [];
    expect(tools.map((tool) => tool.name)).toContain('modern__ask');
  });

  it('fails fast, saying why, when the retry of a suspended 2025-era downstream call reaches the other replica', async () => {
    const capabilities = { elicitation: { form: {} } };
    const call = { name: 'asks__test_input_required_result_elicitation', arguments: {} };
    const outcomes: string[] = [];
    // Round-robin sends the retry to the other replica (the one that does not hold the call); a retry that happens
    // to reach the holder completes. Either way it is answered within 5 s: never a hang.
    for (let i = 0; i < 4 && !outcomes.includes('refused'); i++) {
      const first = await postModern(`${front}/mcp`, 'tools/call', call, capabilities);
      const result = first.message?.result as { requestState?: string; inputRequests?: Record<string, unknown> } | undefined;
      const [key] = Object.keys(result?.inputRequests ?? {});
      const retry = { ...call, requestState: result?.requestState, inputResponses: { [key!]: { action: 'accept', content: { name: 'Ada' } } } };
      const answer = await postModern(`${front}/mcp`, 'tools/call', retry, capabilities, 5_000);
      if (answer.message?.error) {
        expect(answer.message.error, 'the error says what happened').toMatchObject({ code: -32602, message: expect.stringContaining('another replica') });
        outcomes.push('refused');
      } else {
        expect(resultText(answer)).toBe('Hello, Ada!');
        outcomes.push('completed');
      }
    }
    expect(outcomes).toContain('refused');
  });

  it('drains a replica stopped with SIGTERM: /ready 503 first, HAProxy takes it out, no request fails', async () => {
    const [leaving] = replicas as [HttpProxy, HttpProxy];
    const counts = { ok: 0, reinitialized: 0, failed: 0 };
    const failures: string[] = [];
    let running = true;

    // Six clients with their own sessions: half make quick calls, half calls that take ~300 ms (in flight at SIGTERM).
    const worker = async (i: number): Promise<void> => {
      const slow = i % 2 === 1;
      const open = async () => {
        try {
          return (await openSession(`${front}/mcp`, `load-${i}`)).sessionId;
        } catch (error) {
          counts.failed++;
          failures.push(`initialize: ${String(error)}`);
          return undefined;
        }
      };
      let session = await open();
      let n = 0;
      while (running) {
        if (!session) {
          session = await open();
          continue;
        }
        const text = `w${i}-${n++}`;
        const call = slow ? { name: 'progress__work', arguments: { steps: 3, intervalMs: 100 } } : { name: 'echo__echo', arguments: { text } };
        try {
          const reply = await postRpc(`${front}/mcp`, { method: 'tools/call', params: call }, session);
          if (reply.status === 200 && resultText(reply) === (slow ? 'done 3' : text)) counts.ok++;
          else if (reply.status === 404 && reply.message?.error?.code === -32001) {
            // Its replica has gone: what the spec asks of a 2025-era client. The call is then made again.
            counts.reinitialized++;
            session = await open();
          } else {
            counts.failed++;
            failures.push(`${reply.status} ${JSON.stringify(reply.message)}`);
          }
        } catch (error) {
          counts.failed++;
          failures.push(String(error));
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, i) => worker(i));

    await until('30 calls through HAProxy', () => counts.ok >= 30);
    const exited = new Promise<number | null>((resolve) => leaving.child.once('close', (code) => resolve(code)));
    let stopped = false;
    void exited.then(() => (stopped = true));
    leaving.child.kill('SIGTERM');

    // The replica itself: /ready 503 while /health stays 200, before it stops listening.
    let readyRefusedWhileLive = false;
    await until('the leaving replica answers /ready 503 while /health is 200', async () => {
      const [ready, health] = await Promise.all([fetch(`${leaving.base}/ready`), fetch(`${leaving.base}/health`)]);
      readyRefusedWhileLive = ready.status === 503 && health.status === 200 && ((await ready.json()) as { status?: string }).status === 'draining';
      return readyRefusedWhileLive;
    });
    // New sessions right now: HAProxy may not have seen /ready fail yet, so some initialize requests reach the
    // draining replica, which refuses them (503); HAProxy sends them again to the other one (retry-on 503).
    const opened = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => openSession(`${front}/mcp`, `while-draining-${i}`)));
    for (const result of opened) {
      if (result.status === 'fulfilled') counts.ok++;
      else {
        counts.failed++;
        failures.push(`initialize while draining: ${String(result.reason)}`);
      }
    }
    // HAProxy's health checks of /ready take it out while it still runs.
    await until('HAProxy marks the leaving replica DOWN', async () => (await serverStatus(statsPort, 'switchboard-1')) === 'DOWN');
    const downBeforeExit = !stopped;
    expect(await exited, leaving.stderr()).toBe(0);
    const okAtExit = counts.ok;
    await until('30 more calls after the replica stopped', () => counts.ok >= okAtExit + 30);
    running = false;
    await Promise.all(workers);

    console.log(
      `[haproxy e2e] ${counts.ok + counts.failed} calls through HAProxy while one replica drained and stopped: ${counts.ok} ok, ` +
        `${counts.failed} failed; ${counts.reinitialized} sessions re-initialized after the spec's 404`,
    );
    expect(failures, `${haproxyLog}\n${replicas.map((r) => r.stderr().slice(-4000)).join('\n---\n')}`).toEqual([]);
    expect(readyRefusedWhileLive).toBe(true);
    expect(downBeforeExit, 'HAProxy took the replica out before it stopped').toBe(true);
  });
});
