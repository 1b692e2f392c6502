import type { ServerDefinition, SwitchboardEvent } from '@mcp-switchboard/plugin-api';

/** Hand-made events and fakes for the unit tests (not exported by the package). */
export function stdioServer(id: string): ServerDefinition {
  return { id, name: id, source: 'test', enabled: true, transport: 'stdio', command: 'node', args: [], env: {} };
}

let nextCall = 0;

export function toolFinished(overrides: Partial<Extract<SwitchboardEvent, { type: 'call.finished' }>> & { serverId?: string } = {}): SwitchboardEvent {
  const { serverId, ...rest } = overrides;
  return {
    type: 'call.finished',
    callId: `call-${++nextCall}`,
    sessionId: 'session-1',
    server: stdioServer(serverId ?? 'echo'),
    kind: 'tool',
    item: 'echo',
    arguments: { text: 'hello' },
    success: true,
    durationMs: 12,
    at: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    ...rest,
  };
}
