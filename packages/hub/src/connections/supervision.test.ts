import { SwitchboardError, type DownstreamConnector } from '@mcp-switchboard/plugin-api';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { recordingLogger, server } from '../../test/support/harness.js';
import { echoServer } from '../../test/support/fixtures.js';
import { ManualClock } from '../../test/support/manual-clock.js';
import { redact } from '../util/redact.js';
import { ServerConnection } from './server-connection.js';
import { DEFAULT_SUPERVISION, backoffDelay, resolveSupervision, startFailureKind, type SupervisionSettings } from './supervision.js';

describe('backoff', () => {
  const settings: SupervisionSettings = { ...DEFAULT_SUPERVISION, backoffInitialMs: 100, backoffMaxMs: 1000 };

  it('doubles from backoffInitialMs, caps at backoffMaxMs, and jitters by ±20 %', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => backoffDelay(settings, n, () => 0.5))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoffDelay(settings, 1, () => 0)).toBe(80);
    expect(backoffDelay(settings, 1, () => 0.999999)).toBe(120);
    expect(backoffDelay(settings, 10, () => 0)).toBe(800);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(settings, 3);
      expect(delay).toBeGreaterThanOrEqual(320);
      expect(delay).toBeLessThanOrEqual(480);
    }
  });

  it('fills in defaults for a missing or partial supervision config', () => {
    expect(resolveSupervision(undefined)).toEqual(DEFAULT_SUPERVISION);
    expect(resolveSupervision({ maxFailures: 2 })).toEqual({ ...DEFAULT_SUPERVISION, maxFailures: 2 });
    expect(DEFAULT_SUPERVISION).toMatchObject({ backoffInitialMs: 500, maxFailures: 5, callWaitMs: 10_000 });
  });
});

describe('startFailureKind', () => {
  it('retries crashes and timeouts, opens the circuit for a missing command or a refused initialize, and gives up without a connector', () => {
    expect(startFailureKind(new Error('Connection closed'))).toBe('retry');
    expect(startFailureKind(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'))).toBe('retry');
    expect(startFailureKind(new McpError(ErrorCode.RequestTimeout, 'Request timed out'))).toBe('retry');
    expect(startFailureKind(Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' }))).toBe('circuit');
    const wrapped = new SwitchboardError('SWB_SERVER_START', 'command not found: x', { cause: Object.assign(new Error('spawn x EACCES'), { code: 'EACCES' }) });
    expect(startFailureKind(wrapped)).toBe('circuit');
    expect(startFailureKind(new McpError(ErrorCode.InternalError, 'bad config'))).toBe('circuit');
    expect(startFailureKind(new SwitchboardError('SWB_CONNECTOR_MISSING', 'no connector'))).toBe('never');
  });
});

describe('redact', () => {
  it('masks secret env values, header values, URL credentials, secret query parameters, flags and bearer tokens', () => {
    const definition = server('s', {
      env: { API_KEY: 'k-1234567890', HOME_DIR: '/home/me' },
      transport: 'streamable-http',
      url: 'http://x',
      headers: { Authorization: 'Bearer abcdefghijkl' },
    } as never);
    const text = redact('key k-1234567890 at /home/me; auth abcdefghijkl; https://u:pw123@h/p?token=t0k3n&x=1; --api-key s3cr3t --port 8080; Bearer zzzzzzzz', {
      ...definition,
      env: { API_KEY: 'k-1234567890', HOME_DIR: '/home/me' },
    } as never);
    expect(text).toBe('key **** at /home/me; auth ****; https://u:****@h/p?token=****&x=1; --api-key **** --port 8080; Bearer ****');
  });
});

describe('ServerConnection supervision with a manual clock', () => {
  it('restarts with growing, capped delays; opens the circuit at maxFailures; a success forgets failures older than the window', async () => {
    const clock = new ManualClock();
    let healthy = false;
    let connects = 0;
    let running: McpServer | undefined;
    const connector: DownstreamConnector = {
      types: ['stdio'],
      async connect() {
        connects += 1;
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        if (!healthy) {
          serverSide.onmessage = () => void serverSide.close();
          await serverSide.start();
        } else {
          running = echoServer('m')();
          await running.connect(serverSide);
        }
        return { transport: clientSide };
      },
    };
    const states: string[] = [];
    const conn = new ServerConnection({
      definition: server('m'),
      connectors: [connector],
      timeouts: { connectMs: 10_000, requestMs: 10_000, maxTotalMs: 60_000 },
      clientInfo: { name: 'test', version: '1' },
      logger: recordingLogger(),
      hooks: {
        stateChanged: (c) => states.push(c.state),
        catalogChanged: () => undefined,
        serverRequest: async () => ({}),
        logMessage: () => undefined,
        resourceUpdated: () => undefined,
      },
      supervision: {
        ...DEFAULT_SUPERVISION,
        backoffInitialMs: 100,
        backoffMaxMs: 300,
        maxFailures: 5,
        failureWindowMs: 10_000,
        circuitOpenMs: 60_000,
        pingIntervalMs: 0,
      },
      clock,
      random: () => 0.5, // no jitter
    });
    const delayOf = () => conn.nextRetryAt! - clock.now();
    const retry = async (ms: number) => {
      clock.advance(ms);
      await conn.whenSettled();
    };

    await conn.start(); // failure 1
    expect(conn.state).toBe('restarting');
    const delays = [delayOf()];
    for (let i = 0; i < 3; i++) {
      await retry(delays.at(-1)!); // failures 2, 3, 4
      delays.push(delayOf());
    }
    expect(delays).toEqual([100, 200, 300, 300]);
    expect(conn.restarts).toBe(3);
    await retry(300); // failure 5: the circuit opens
    expect(conn.state).toBe('failed');
    expect(delayOf()).toBe(60_000);
    expect(conn.error).toContain('failed 5 times within 10 s: circuit open');

    // Half-open try fails: open again. The next one succeeds.
    await retry(60_000);
    expect(conn.state).toBe('failed');
    expect(conn.error).toContain('failed again on its one try');
    healthy = true;
    await retry(60_000);
    expect(conn.state).toBe('ready');
    expect(conn.nextRetryAt).toBeUndefined();
    // 7 start attempts, plus one more start in the first: its era probe (server/discover) closed the link, so the
    // server counts as a 2025-era one that bears nothing before initialize and is started again for initialize.
    expect(connects).toBe(8);

    // A crash now starts over at backoffInitialMs (the half-open success cleared the history).
    await running!.close();
    expect(conn.state).toBe('restarting');
    expect(delayOf()).toBe(100);
    await retry(100);
    expect(conn.state).toBe('ready');
    // Two crashes close together: the second waits longer; after the window they are forgotten.
    await running!.close();
    expect(delayOf()).toBe(200);
    await retry(200);
    clock.advance(10_001);
    await running!.close();
    expect(delayOf()).toBe(100);

    await conn.stop();
    expect(conn.state).toBe('stopped');
    expect(clock.pending).toBe(0);
    expect(states.filter((s) => s === 'failed')).toHaveLength(2);
  });
});
