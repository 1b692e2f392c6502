import { tsString, type KindTemplate } from './context.js';

export const reporterTemplate: KindTemplate = {
  description: () => 'A Switchboard reporter plugin: receives events about servers and calls.',

  index: ({ id }) => `import { coreServices, definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';

/** The options a config gives as \`[${JSON.stringify(id)}, { ... }]\`. */
export const optionsSchema = z
  .object({
    /** Tool calls slower than this are logged as warnings. */
    slowMs: z.number().int().positive().default(1000),
  })
  .strict();

export type Options = z.output<typeof optionsSchema>;

/**
 * A reporter: \`onEvent()\` receives every event from a queue of its own, off the hot path (keep it cheap and
 * never wait on I/O there); \`flush()\` runs on stop, after every queued event was delivered.
 */
export const plugin = definePlugin({
  id: ${tsString(id)},
  kind: 'reporter',
  options: optionsSchema,
  deps: { logger: coreServices.logger },
  setup({ logger }, options) {
    let calls = 0;
    let failures = 0;
    return {
      onEvent(event) {
        if (event.type !== 'call.finished' || event.kind !== 'tool') return;
        calls += 1;
        if (!event.success) failures += 1;
        if (event.durationMs >= options.slowMs) {
          logger.warn('slow tool call', { server: event.server.id, tool: event.item, durationMs: event.durationMs });
        }
      },
      async flush() {
        logger.info('tool calls', { calls, failures });
      },
    };
  },
});

export default plugin;
`,

  test: ({ id }) => `import type { ServerDefinition, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { createTestKernel, type MemoryLogger } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const echo: ServerDefinition = { id: 'echo', name: 'echo', source: 'test', enabled: true, transport: 'stdio', command: 'echo-mcp', args: [], env: {} };
const finished = (item: string, success: boolean, durationMs: number): SwitchboardEvent => ({
  type: 'call.finished', callId: item + '-' + durationMs, sessionId: 's1', server: echo, kind: 'tool', item, success, durationMs, at: Date.now(),
});

describe(${tsString(id)}, () => {
  it('warns about slow calls and sums the calls up when the kernel stops', async () => {
    const kernel = await createTestKernel({ plugins: [[plugin, { slowMs: 100 }]] });
    await kernel.start();
    kernel.events.emit(finished('echo', true, 5));
    kernel.events.emit(finished('add', false, 250));
    await kernel.stop();
    const logger = kernel.logger as MemoryLogger;
    expect(logger.lines.filter((line) => line.message === 'slow tool call').map((line) => line.fields)).toEqual([
      expect.objectContaining({ server: 'echo', tool: 'add', durationMs: 250 }),
    ]);
    expect(logger.find('tool calls')?.fields).toMatchObject({ calls: 2, failures: 1 });
  });

  it('refuses unknown options', async () => {
    await expect(createTestKernel({ plugins: [[plugin, { slow: 1 }]] })).rejects.toMatchObject({ code: 'SWB_PLUGIN_OPTIONS' });
  });
});
`,

  configEntry: ({ id }) => JSON.stringify([id, { slowMs: 2000 }]),

  readme: () => `Receives Switchboard's events (server states, catalogs, calls, config changes) off the hot path. As
generated, it logs a warning for every slow tool call and the number of calls and failures when Switchboard
stops.

| option | default | meaning |
|---|---|---|
| \`slowMs\` | \`1000\` | tool calls slower than this are logged as warnings |`,
};
