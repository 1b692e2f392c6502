/**
 * Supervision against a real child process over stdio: a server killed with SIGKILL is restarted, and one that
 * writes garbage on stdout is restarted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Hub } from '../src/hub.js';
import { callTool, config, connectClient, listAll, recordingEvents, recordingLogger, server, staticSource, waitFor } from './support/harness.js';
import { testStdioConnector } from './support/stdio.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'support', 'crashy-server.mjs');
const supervision = {
  backoffInitialMs: 200,
  backoffMaxMs: 1000,
  maxFailures: 5,
  failureWindowMs: 60_000,
  circuitOpenMs: 60_000,
  pingIntervalMs: 0,
  callWaitMs: 30_000,
};

type StateEvent = Extract<SwitchboardEvent, { type: 'server.state' }>;

let tmp: string;
let hub: Hub | undefined;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hub-supervision-'));
});
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  rmSync(tmp, { recursive: true, force: true });
});

function textOf(result: Record<string, unknown>): string {
  return (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
}

function startCrashy() {
  const startsFile = join(tmp, 'starts');
  // The tests read call.started to see when a call reached the hub.
  const events = recordingEvents(true);
  const logger = recordingLogger();
  hub = new Hub({
    config: config({ supervision }),
    sources: [staticSource([server('crashy', { command: process.execPath, args: [script], env: { CRASHY_STARTS: startsFile } })])],
    connectors: [testStdioConnector()],
    filters: [],
    events,
    logger,
  });
  const starts = () => readFileSync(startsFile, 'utf8').trim().split('\n').length;
  return { hub, events, logs: logger.lines, starts };
}

describe('supervision of a real stdio server', () => {
  it('restarts a server killed with SIGKILL: in-flight calls fail, calls during the restart wait, its tools stay listed', async () => {
    const { hub, events, logs, starts } = startCrashy();
    await hub.start();
    await hub.settled();
    const { client } = await connectClient(hub);
    const names = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name);
    expect(names).toEqual(['crashy__pid', 'crashy__hang', 'crashy__garbage']);
    const oldPid = hub.status()[0]!.pid!;
    expect(textOf(await callTool(client, 'crashy__pid'))).toBe(String(oldPid));

    // At the moment the hub sees the crash (synchronously, on the state change), list and call.
    let duringRestart: { listed: Promise<string[]>; call: Promise<Record<string, unknown>> } | undefined;
    events.on((event) => {
      if (event.type === 'server.state' && event.state === 'restarting' && !duringRestart) {
        duringRestart = {
          listed: listAll(client, 'tools/list', 'tools').then((tools) => tools.map((t) => t.name as string)),
          call: callTool(client, 'crashy__pid'),
        };
      }
    });

    const inFlight = callTool(client, 'crashy__hang').catch((error: unknown) => error as Error);
    await new Promise((r) => setTimeout(r, 100)); // let the hang request reach the server
    process.kill(oldPid, 'SIGKILL');

    const crashed = await inFlight;
    expect(crashed, JSON.stringify(crashed)).toBeInstanceOf(Error);
    expect(crashed.message).toContain('Server "crashy" went away during tools/call "hang"');

    await waitFor(() => duringRestart !== undefined, 10_000, 'restarting state');
    expect(await duringRestart!.listed).toEqual(['crashy__pid', 'crashy__hang', 'crashy__garbage']);
    const newPid = Number(textOf(await duringRestart!.call));
    expect(newPid).not.toBe(oldPid);

    const status = hub.status()[0]!;
    expect(status.state).toBe('ready');
    expect(status.pid).toBe(newPid);
    expect(status.restarts).toBe(1);
    expect(starts()).toBe(2);
    expect((await listAll(client, 'tools/list', 'tools')).map((t) => t.name)).toEqual(['crashy__pid', 'crashy__hang', 'crashy__garbage']);
    expect(textOf(await callTool(client, 'crashy__pid'))).toBe(String(newPid));

    const states = events.events.filter((e): e is StateEvent => e.type === 'server.state').map((e) => e.state);
    expect(states).toEqual(['starting', 'ready', 'restarting', 'ready']);
    // The call made during the restart reached the hub before the server was ready again: it waited.
    const restartedAt = events.events.findIndex((e) => e.type === 'server.state' && e.state === 'restarting');
    const readyAgainAt = events.events.findLastIndex((e) => e.type === 'server.state' && e.state === 'ready');
    const waitingCallAt = events.events.findIndex((e, i) => i > restartedAt && e.type === 'call.started' && e.item === 'pid');
    expect(waitingCallAt).toBeGreaterThan(restartedAt);
    expect(waitingCallAt).toBeLessThan(readyAgainAt);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('"crashy" closed the connection') && l.message.includes('restarting in'))).toBe(true);
    expect(logs.some((l) => l.level === 'info' && l.message.includes('"crashy" ready again'))).toBe(true);
  });

  it('restarts a server that writes garbage on stdout again and again', async () => {
    const { hub, events, starts } = startCrashy();
    await hub.start();
    await hub.settled();
    const { client } = await connectClient(hub);
    const oldPid = hub.status()[0]!.pid!;
    // Three non-JSON-RPC lines: the link is faulty; the call itself may or may not have been answered first.
    await callTool(client, 'crashy__garbage').catch(() => undefined);
    await waitFor(() => events.events.some((e) => e.type === 'server.state' && e.state === 'restarting'), 10_000, 'restart after garbage');
    await waitFor(() => hub.status()[0]!.state === 'ready', 10_000, 'ready again');
    const restarting = events.events.find((e): e is StateEvent => e.type === 'server.state' && e.state === 'restarting')!;
    expect(restarting.error).toMatch(/transport errors/);
    expect(hub.status()[0]!.pid).not.toBe(oldPid);
    expect(starts()).toBe(2);
    expect(textOf(await callTool(client, 'crashy__pid'))).toBe(String(hub.status()[0]!.pid));
  });
});
