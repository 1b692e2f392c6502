import picomatch from 'picomatch';
import { z } from 'zod';
import type { ServerDefinition } from '@mcp-switchboard/plugin-api';

const patternList = z.array(z.string().min(1, 'a pattern must not be empty')).default([]);

/** `allow` / `deny` glob lists for one kind of item. */
export const listRulesSchema = z
  .object({
    /** When non-empty, only names matching one of these globs are visible. */
    allow: patternList,
    /** Names matching one of these globs are hidden; deny wins over allow. */
    deny: patternList,
  })
  .strict()
  .prefault({});

export const serverRulesSchema = z.object({ tools: listRulesSchema, prompts: listRulesSchema }).strict().prefault({});

/** Options of the filter-rules plugin, also accepted under the config's top-level `filters` key. */
export const filterRulesOptionsSchema = z
  .object({
    /** Rules for every server's tools. */
    tools: listRulesSchema,
    /** Rules for every server's prompts. */
    prompts: listRulesSchema,
    /** Rules for one server's items, keyed by server id (the `mcpServers` key). */
    servers: z.record(z.string().min(1), serverRulesSchema).default({}),
  })
  .strict()
  .prefault({});

export type FilterRulesOptions = z.output<typeof filterRulesOptionsSchema>;
export type FilterRulesInput = z.input<typeof filterRulesOptionsSchema>;
export type ItemKind = 'tools' | 'prompts';
export type ListRules = z.output<typeof listRulesSchema>;

/** Whether an item is visible and, if not, which rule hides it (e.g. `servers.github.tools.deny "delete_*"`). */
export type Decision = { visible: true } | { visible: false; rule: string };

interface Matcher {
  pattern: string;
  test: (name: string) => boolean;
}

interface CompiledList {
  label: string;
  allow: Matcher[];
  deny: Matcher[];
}

/**
 * Tool and prompt names are not paths: `*` matches any run of characters, `/` and a leading `.` included.
 * `?`, `[...]`, `{a,b}` and extglobs work as in picomatch.
 */
const globOptions: picomatch.PicomatchOptions = { dot: true, bash: true, windows: false };

function compileList(rules: ListRules, label: string): CompiledList {
  const compile = (pattern: string): Matcher => ({ pattern, test: picomatch(pattern, globOptions) });
  return { label, allow: rules.allow.map(compile), deny: rules.deny.map(compile) };
}

const serverLabel = (key: string): string => (/^[A-Za-z_$][\w$-]*$/.test(key) ? `servers.${key}` : `servers[${JSON.stringify(key)}]`);

/** True when the options hide nothing: every list empty. */
export function isEmptyRules(options: FilterRulesOptions): boolean {
  const emptyList = (l: ListRules): boolean => l.allow.length === 0 && l.deny.length === 0;
  return emptyList(options.tools) && emptyList(options.prompts) && Object.values(options.servers).every((s) => emptyList(s.tools) && emptyList(s.prompts));
}

/** The verdict of every name that no rule hides (one object: `decide` runs on every tool call). */
const VISIBLE: Decision = Object.freeze({ visible: true });

/**
 * Compiled allow/deny rules. Globs match the ORIGINAL (downstream) name. A name is hidden when a deny pattern
 * (global or the server's) matches it, or when a non-empty allow list (global, the server's, or both: each
 * has to pass) has no pattern matching it.
 */
export class FilterRules {
  readonly options: FilterRulesOptions;
  /** True when nothing is ever hidden (no list has a pattern): `decide` then answers at once, on every call. */
  readonly isEmpty: boolean;
  private readonly global: Record<ItemKind, CompiledList>;
  private readonly perServer = new Map<string, Record<ItemKind, CompiledList>>();

  constructor(options: FilterRulesInput | FilterRulesOptions = {}) {
    this.options = filterRulesOptionsSchema.parse(options);
    this.global = {
      tools: compileList(this.options.tools, 'tools'),
      prompts: compileList(this.options.prompts, 'prompts'),
    };
    for (const [key, rules] of Object.entries(this.options.servers)) {
      const label = serverLabel(key);
      this.perServer.set(key, {
        tools: compileList(rules.tools, `${label}.tools`),
        prompts: compileList(rules.prompts, `${label}.prompts`),
      });
    }
    this.isEmpty = isEmptyRules(this.options);
  }

  /** The verdict for item `name` of `kind` on `server`. Server rules are found by id, else by display name. */
  decide(kind: ItemKind, server: Pick<ServerDefinition, 'id' | 'name'>, name: string): Decision {
    if (this.isEmpty) return VISIBLE;
    const serverRules = this.perServer.get(server.id) ?? this.perServer.get(server.name);
    const lists = serverRules ? [this.global[kind], serverRules[kind]] : [this.global[kind]];
    // Deny anywhere wins over any allow.
    for (const list of lists) {
      const denied = list.deny.find((m) => m.test(name));
      if (denied) return { visible: false, rule: `${list.label}.deny ${JSON.stringify(denied.pattern)}` };
    }
    // Then every non-empty allow list has to let the name through.
    for (const list of lists) {
      if (list.allow.length > 0 && !list.allow.some((m) => m.test(name))) {
        const patterns = list.allow.map((m) => JSON.stringify(m.pattern)).join(', ');
        return { visible: false, rule: `${list.label}.allow (matches none of ${patterns})` };
      }
    }
    return VISIBLE;
  }
}
