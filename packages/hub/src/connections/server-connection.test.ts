import { describe, expect, it } from 'vitest';
import { fixtureConnector, recordingLogger, server } from '../../test/support/harness.js';
import { echoServer } from '../../test/support/fixtures.js';
import { ServerConnection, type ConnectionHooks, type ListKind } from './server-connection.js';

function connection(hooks: Partial<ConnectionHooks> = {}) {
  const states: string[] = [];
  const changes: Array<{ kinds: ListKind[]; discovered: boolean }> = [];
  const conn = new ServerConnection({
    definition: server('fx'),
    connectors: [fixtureConnector({ fx: { create: echoServer('fx') } })],
    timeouts: { connectMs: 10_000, requestMs: 10_000, maxTotalMs: 60_000 },
    clientInfo: { name: 'test', version: '1' },
    logger: recordingLogger(),
    hooks: {
      stateChanged: (c) => states.push(c.state),
      catalogChanged: (_c, kinds, discovered) => changes.push({ kinds: [...kinds].sort(), discovered }),
      serverRequest: async () => ({}),
      logMessage: () => undefined,
      resourceUpdated: () => undefined,
      ...hooks,
    },
  });
  return { conn, states, changes };
}

describe('ServerConnection', () => {
  it('goes starting → ready with its lists cached, and restart() drops and refetches them', async () => {
    const { conn, states, changes } = connection();
    await conn.start();
    expect(conn.state).toBe('ready');
    expect(conn.cache.tools.map((t) => t.name)).toEqual(['echo']);
    expect(conn.cache.prompts.map((p) => p.name)).toEqual(['hello']);
    await conn.restart();
    expect(conn.state).toBe('ready');
    expect(states).toEqual(['starting', 'ready', 'restarting', 'starting', 'ready']);
    expect(changes.map((c) => c.discovered)).toEqual([true, false, true]);
    expect(changes[1]!.kinds).toEqual(['prompts', 'tools']);
    await conn.stop();
    await conn.stop();
    expect(conn.state).toBe('stopped');
    expect(conn.cache.tools).toEqual([]);
    await expect(conn.forward('tools/call', { name: 'echo' }, { label: 'x' })).rejects.toThrow(/Server "fx" is not available \(state: stopped\)/);
  });

  it('does not start a disabled server', async () => {
    const conn = new ServerConnection({
      definition: server('off', { enabled: false }),
      connectors: [],
      timeouts: { connectMs: 1000, requestMs: 1000, maxTotalMs: 1000 },
      clientInfo: { name: 'test', version: '1' },
      logger: recordingLogger(),
      hooks: {
        stateChanged: () => undefined,
        catalogChanged: () => undefined,
        serverRequest: async () => ({}),
        logMessage: () => undefined,
        resourceUpdated: () => undefined,
      },
    });
    await conn.start();
    await conn.whenSettled();
    expect(conn.state).toBe('disabled');
  });
});
