import { PluginDriver, SwitchboardError, type FilterContribution, type ToolCallContext } from '@mcp-switchboard/plugin-api';
import { createMemoryLogger } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import { guardToolCall } from './tool-call-guard.js';

const call: ToolCallContext = {
  server: { id: 'fx', name: 'fx', transport: 'stdio', command: 'node' } as ToolCallContext['server'],
  tool: 'echo',
  exposedName: 'fx__echo',
  arguments: { text: 'hi' },
  sessionId: 's1',
};

const filters = (...hooks: Array<[string, FilterContribution]>) =>
  new PluginDriver<FilterContribution>(hooks.map(([pluginId, contribution]) => ({ pluginId, contribution })));

const deny = (reason: string): FilterContribution => ({
  beforeToolCall: () => {
    throw new SwitchboardError('SWB_TOOL_DENIED', reason);
  },
});

describe('guardToolCall', () => {
  it('answers at once, with nothing, when every filter lets the call through synchronously', () => {
    const asked: string[] = [];
    const driver = filters(['a', { beforeToolCall: () => void asked.push('a') }], ['none', {}], ['b', { beforeToolCall: () => void asked.push('b') }]);
    expect(guardToolCall(driver, call, createMemoryLogger())).toBeUndefined();
    expect(asked).toEqual(['a', 'b']);
  });

  it('refuses at once when a synchronous filter refuses, and asks no filter after it', () => {
    const asked: string[] = [];
    const driver = filters(['no', deny('not today')], ['after', { beforeToolCall: () => void asked.push('after') }]);
    const refusal = guardToolCall(driver, call, createMemoryLogger());
    expect(refusal).toMatchObject({ plugin: 'no', code: 'SWB_TOOL_DENIED', message: 'not today' });
    expect(asked).toEqual([]);
  });

  it('goes on after an asynchronous filter with the filters after it, in order', async () => {
    const asked: string[] = [];
    const driver = filters(
      ['first', { beforeToolCall: () => void asked.push('first') }],
      ['slow', { beforeToolCall: async () => void asked.push('slow') }],
      ['last', deny('refused after the slow one')],
    );
    const guarded = guardToolCall(driver, call, createMemoryLogger());
    expect(guarded).toBeInstanceOf(Promise);
    await expect(guarded).resolves.toMatchObject({ plugin: 'last', message: 'refused after the slow one' });
    expect(asked).toEqual(['first', 'slow']);
  });

  it('refuses with the asynchronous filter that rejects, and passes when every one resolves', async () => {
    const rejecting = filters(['slow-no', { beforeToolCall: () => Promise.reject(new SwitchboardError('SWB_TOOL_DENIED', 'later')) }]);
    await expect(guardToolCall(rejecting, call, createMemoryLogger())).resolves.toMatchObject({ plugin: 'slow-no', message: 'later' });
    const passing = filters(['slow-a', { beforeToolCall: async () => undefined }], ['slow-b', { beforeToolCall: async () => undefined }]);
    await expect(guardToolCall(passing, call, createMemoryLogger())).resolves.toBeUndefined();
  });
});
