import type { FilterContribution, Prompt, ServerDefinition, SwitchboardConfigInput, Tool } from '@mcp-switchboard/plugin-api';
import { createFakeConfig, createMemoryLogger } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import defaultExport, { FilterRules, filterRulesOptionsSchema, plugin, rulesFromConfig, type FilterRulesInput } from './index.js';

const server = (id: string, name = id): ServerDefinition => ({
  id,
  name,
  source: 'file',
  enabled: true,
  transport: 'stdio',
  command: 'node',
  args: [],
  env: {},
});
const tool = (name: string): Tool => ({ name, inputSchema: { type: 'object' } });
const prompt = (name: string): Prompt => ({ name });

const github = server('github');
const fs = server('fs');

/** The test kit's memory logger, with its warnings and errors as text lines. */
function recordingLogger() {
  const logger = createMemoryLogger();
  const text = () => logger.lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields)}`);
  return { logger, text };
}

/** The test kit's config fake: `reload()` swaps the config and tells the listeners, like the kernel does. */
function configService(input: SwitchboardConfigInput = {}, filepath = '/cfg/switchboard.config.json') {
  const service = createFakeConfig(input, filepath);
  return { service, reload: (next: SwitchboardConfigInput) => service.replace(next), listenerCount: service.listenerCount };
}

async function setup(options: FilterRulesInput | undefined, config = configService()): Promise<FilterContribution> {
  // Raw options as a config gives them (the plugin reads its own defaults); setup is typed with the parsed ones.
  return plugin.setup({ config: config.service, logger: recordingLogger().logger }, options as never);
}

/** The visible names among `names` for `server`. */
const visibleTools = (filter: FilterContribution, srv: ServerDefinition, names: string[]) => names.filter((n) => filter.tool!(srv, tool(n)));
const visiblePrompts = (filter: FilterContribution, srv: ServerDefinition, names: string[]) => names.filter((n) => filter.prompt!(srv, prompt(n)));

const call = (srv: ServerDefinition, name: string) => ({
  server: srv,
  tool: name,
  exposedName: `${srv.id}__${name}`,
  arguments: {},
  sessionId: 's1',
});

describe('filter-rules plugin', () => {
  it('is exported as default and as `plugin`', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'filter-rules', kind: 'filter' });
    expect(Object.keys(plugin.deps).sort()).toEqual(['config', 'logger']);
  });

  it('hides nothing when no options are given', async () => {
    const filter = await setup(undefined);
    expect(visibleTools(filter, github, ['a', 'delete_repo', '.x', 'a/b'])).toEqual(['a', 'delete_repo', '.x', 'a/b']);
    expect(visiblePrompts(filter, github, ['p'])).toEqual(['p']);
    await expect(Promise.resolve(filter.beforeToolCall!(call(github, 'anything')))).resolves.toBeUndefined();
  });

  it('global deny hides matching tools on every server', async () => {
    const filter = await setup({ tools: { deny: ['delete_*', 'drop'] } });
    expect(visibleTools(filter, github, ['delete_repo', 'drop', 'dropped', 'list'])).toEqual(['dropped', 'list']);
    expect(visibleTools(filter, fs, ['delete_file', 'read_file'])).toEqual(['read_file']);
  });

  it('global allow shows only matching tools', async () => {
    const filter = await setup({ tools: { allow: ['read_*', 'list_*'] } });
    expect(visibleTools(filter, fs, ['read_file', 'list_directory', 'write_file'])).toEqual(['read_file', 'list_directory']);
  });

  it('an empty allow list means no allow list', async () => {
    const filter = await setup({ tools: { allow: [], deny: ['x'] } });
    expect(visibleTools(filter, fs, ['a', 'x'])).toEqual(['a']);
  });

  it('deny wins over allow', async () => {
    const filter = await setup({ tools: { allow: ['*_file'], deny: ['write_*'] } });
    expect(visibleTools(filter, fs, ['read_file', 'write_file', 'search'])).toEqual(['read_file']);
  });

  it('per-server rules apply only to that server', async () => {
    const filter = await setup({ servers: { github: { tools: { deny: ['delete_*'] } } } });
    expect(visibleTools(filter, github, ['delete_repo', 'list_issues'])).toEqual(['list_issues']);
    expect(visibleTools(filter, fs, ['delete_file'])).toEqual(['delete_file']);
  });

  it('per-server allow limits that server only', async () => {
    const filter = await setup({ servers: { fs: { tools: { allow: ['read_*'] } } } });
    expect(visibleTools(filter, fs, ['read_file', 'write_file'])).toEqual(['read_file']);
    expect(visibleTools(filter, github, ['write_file'])).toEqual(['write_file']);
  });

  it('when global and server allow lists are both set, a name has to pass both', async () => {
    const filter = await setup({ tools: { allow: ['read_*', 'list_*'] }, servers: { fs: { tools: { allow: ['*_file', 'list_*'] } } } });
    expect(visibleTools(filter, fs, ['read_file', 'read_dir', 'write_file', 'list_x'])).toEqual(['read_file', 'list_x']);
    expect(visibleTools(filter, github, ['read_dir', 'write_file'])).toEqual(['read_dir']);
  });

  it('a global deny beats a server allow, and a server deny beats a global allow', async () => {
    const filter = await setup({
      tools: { allow: ['*'], deny: ['secret_*'] },
      servers: { fs: { tools: { allow: ['secret_*', 'read_*'], deny: ['read_private'] } } },
    });
    expect(visibleTools(filter, fs, ['secret_key', 'read_file', 'read_private'])).toEqual(['read_file']);
  });

  it('globs match the original name, whatever characters it has', async () => {
    const filter = await setup({ tools: { deny: ['github.*', '*admin*', 'ns/*', 'exact'] } });
    expect(visibleTools(filter, github, ['github.list', 'super_admin_tool', 'ns/tool', 'exact', 'exactly', '.hidden'])).toEqual(['exactly', '.hidden']);
    // Names are not paths: `*` spans '/' and a leading '.'.
    const all = await setup({ tools: { allow: ['*'] } });
    expect(visibleTools(all, github, ['a/b', '.dot'])).toEqual(['a/b', '.dot']);
    // The exposed (namespaced) name is not what the rules see.
    const byExposed = await setup({ tools: { deny: ['github__*'] } });
    expect(visibleTools(byExposed, github, ['list'])).toEqual(['list']);
  });

  it('prompt rules are separate from tool rules', async () => {
    const filter = await setup({ prompts: { deny: ['debug_*'] }, servers: { github: { prompts: { allow: ['review'] } } } });
    expect(visiblePrompts(filter, github, ['review', 'summarize', 'debug_x'])).toEqual(['review']);
    expect(visiblePrompts(filter, fs, ['summarize', 'debug_x'])).toEqual(['summarize']);
    expect(visibleTools(filter, github, ['debug_x', 'summarize'])).toEqual(['debug_x', 'summarize']);
  });

  it('server rules are found by id, else by display name', async () => {
    const remote = server('5f0c-uuid', 'GitHub');
    const filter = await setup({ servers: { GitHub: { tools: { deny: ['x'] } } } });
    expect(visibleTools(filter, remote, ['x', 'y'])).toEqual(['y']);
  });

  it('beforeToolCall refuses a hidden tool with SWB_TOOL_DENIED naming the tool and the rule', async () => {
    const filter = await setup({ tools: { deny: ['delete_*'] }, servers: { fs: { tools: { allow: ['read_*'] } } } });
    expect(() => filter.beforeToolCall!(call(github, 'delete_repo'))).toThrow(
      expect.objectContaining({
        code: 'SWB_TOOL_DENIED',
        message: 'tool "delete_repo" of server "github" is hidden by filter-rules: tools.deny "delete_*"',
      }),
    );
    expect(() => filter.beforeToolCall!(call(fs, 'write_file'))).toThrow(
      expect.objectContaining({ code: 'SWB_TOOL_DENIED', message: expect.stringContaining('servers.fs.tools.allow (matches none of "read_*")') }),
    );
    expect(filter.beforeToolCall!(call(fs, 'read_file'))).toBeUndefined();
  });

  it('options are strict and report the path of a mistake', () => {
    expect(filterRulesOptionsSchema.parse(undefined)).toEqual({
      tools: { allow: [], deny: [] },
      prompts: { allow: [], deny: [] },
      servers: {},
    });
    expect(filterRulesOptionsSchema.safeParse({ tool: { deny: ['x'] } }).success).toBe(false);
    expect(filterRulesOptionsSchema.safeParse({ tools: { deny: 'x' } }).success).toBe(false);
    expect(filterRulesOptionsSchema.safeParse({ tools: { deny: [''] } }).success).toBe(false);
    expect(filterRulesOptionsSchema.safeParse({ servers: { fs: { tools: { block: ['x'] } } } }).success).toBe(false);
  });

  describe('the config’s top-level `filters`', () => {
    it('is used when the plugin has no options of its own', async () => {
      const config = configService({ filters: { tools: { deny: ['delete_*'] } } });
      const filter = await setup(undefined, config);
      expect(visibleTools(filter, github, ['delete_repo', 'list'])).toEqual(['list']);
    });

    it('is ignored (with a warning) when the plugin has options of its own', async () => {
      const config = configService({ filters: { tools: { deny: ['list'] } } });
      const { logger, text } = recordingLogger();
      const filter = await plugin.setup({ config: config.service, logger }, { tools: { deny: ['delete_*'] } } as never);
      expect(visibleTools(filter, github, ['delete_repo', 'list'])).toEqual(['list']);
      expect(text().join('\n')).toContain('"filters" is ignored');
    });

    it('is validated with the same schema; errors name filters.<path> and the file', async () => {
      const config = configService({ filters: { tools: { deny: 'delete_*' }, servers: { fs: { tools: { blok: [] } } } } });
      await expect(setup(undefined, config)).rejects.toMatchObject({
        code: 'SWB_CONFIG_INVALID',
        message: expect.stringMatching(/\/cfg\/switchboard\.config\.json.*filters\.tools\.deny: .*filters\.servers\.fs\.tools\.blok/),
      });
      expect(() => rulesFromConfig({ filters: { prompts: { allow: [1] } } })).toThrow(/filters\.prompts\.allow\[0\]/);
    });

    it('is followed on reload: the rules change and onChange listeners hear about it', async () => {
      const config = configService({ filters: { tools: { deny: ['a'] } } });
      const filter = await setup(undefined, config);
      let changes = 0;
      const off = filter.onChange!(() => changes++);
      expect(visibleTools(filter, fs, ['a', 'b'])).toEqual(['b']);

      config.reload({ filters: { tools: { deny: ['b'] } } });
      expect(changes).toBe(1);
      expect(visibleTools(filter, fs, ['a', 'b'])).toEqual(['a']);

      // Same rules again: no rebuild.
      config.reload({ filters: { tools: { deny: ['b'] } } });
      expect(changes).toBe(1);

      off();
      config.reload({ filters: {} });
      expect(changes).toBe(1);
      expect(visibleTools(filter, fs, ['a', 'b'])).toEqual(['a', 'b']);

      await filter.dispose?.();
      expect(config.listenerCount()).toBe(0);
    });

    it('an invalid reload keeps the previous rules and logs the error', async () => {
      const config = configService({ filters: { tools: { deny: ['a'] } } });
      const { logger, text } = recordingLogger();
      const filter = await plugin.setup({ config: config.service, logger }, undefined as never);
      config.reload({ filters: { tools: { deny: [42] } } });
      expect(visibleTools(filter, fs, ['a', 'b'])).toEqual(['b']);
      expect(text().join('\n')).toContain('filters.tools.deny[0]');
    });
  });
});

describe('FilterRules', () => {
  it('explains its decisions', () => {
    const rules = new FilterRules({ tools: { deny: ['x*'] }, servers: { 'my server': { prompts: { allow: ['p'] } } } });
    expect(rules.decide('tools', fs, 'xy')).toEqual({ visible: false, rule: 'tools.deny "x*"' });
    expect(rules.decide('prompts', server('my server'), 'q')).toEqual({
      visible: false,
      rule: 'servers["my server"].prompts.allow (matches none of "p")',
    });
    expect(rules.decide('tools', fs, 'y')).toEqual({ visible: true });
    expect(rules.isEmpty).toBe(false);
    expect(new FilterRules().isEmpty).toBe(true);
  });

  it('lets every name through when it has no pattern, with one shared verdict (it runs on every tool call)', () => {
    const none = new FilterRules({ servers: { fs: {} } });
    expect(none.isEmpty).toBe(true);
    const verdict = none.decide('tools', fs, 'anything');
    expect(verdict).toEqual({ visible: true });
    expect(none.decide('prompts', server('other'), 'p')).toBe(verdict);
    expect(Object.isFrozen(verdict)).toBe(true);
  });
});
