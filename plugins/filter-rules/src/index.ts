import {
  formatJsonPath,
  coreServices,
  definePlugin,
  errorMessage,
  SwitchboardError,
  type ConfigService,
  type FilterContribution,
  type Logger,
  type SwitchboardConfig,
} from '@mcp-switchboard/plugin-api';
import { FilterRules, filterRulesOptionsSchema, isEmptyRules, type FilterRulesOptions } from './filter-rules.js';

export {
  FilterRules,
  filterRulesOptionsSchema,
  listRulesSchema,
  serverRulesSchema,
  isEmptyRules,
} from './filter-rules.js';
export type { Decision, FilterRulesInput, FilterRulesOptions, ItemKind, ListRules } from './filter-rules.js';

/**
 * Validates the config's top-level `filters` with the plugin's own schema. Errors name `filters.<path>` and the
 * config file.
 */
export function rulesFromConfig(config: Pick<SwitchboardConfig, 'filters'>, filepath?: string): FilterRulesOptions {
  const parsed = filterRulesOptionsSchema.safeParse(config.filters ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    // An unknown key is reported on its parent; name the key itself.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => `${formatJsonPath(['filters', ...(key === undefined ? issue.path : [...issue.path, key])])}: ${issue.message}`);
  });
  const where = filepath ? ` in ${filepath}` : '';
  throw new SwitchboardError('SWB_CONFIG_INVALID', `invalid "filters"${where}: ${problems.flat().join('; ')}`, {
    details: { filepath, problems: problems.flat() },
  });
}

/** The filter contribution over a (possibly changing) set of rules. */
export function createRulesFilter(initial: FilterRules): FilterContribution & { readonly rules: FilterRules; setRules(rules: FilterRules): void } {
  let rules = initial;
  const listeners = new Set<() => void>();
  return {
    get rules() {
      return rules;
    },
    setRules(next: FilterRules) {
      if (JSON.stringify(next.options) === JSON.stringify(rules.options)) return;
      rules = next;
      for (const listener of [...listeners]) listener();
    },
    tool: (server, tool) => rules.decide('tools', server, tool.name).visible,
    prompt: (server, prompt) => rules.decide('prompts', server, prompt.name).visible,
    beforeToolCall(call) {
      const decision = rules.decide('tools', call.server, call.tool);
      if (decision.visible) return;
      throw new SwitchboardError('SWB_TOOL_DENIED', `tool "${call.tool}" of server "${call.server.id}" is hidden by filter-rules: ${decision.rule}`, {
        details: { server: call.server.id, tool: call.tool, exposedName: call.exposedName, rule: decision.rule },
      });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function watchConfigFilters(config: ConfigService, logger: Logger, apply: (rules: FilterRules) => void): () => void {
  return config.onChange((next) => {
    try {
      apply(new FilterRules(rulesFromConfig(next, config.filepath)));
    } catch (error) {
      logger.error('reloaded "filters" are invalid; keeping the previous rules', {
        error: errorMessage(error),
      });
    }
  });
}

/**
 * Allow/deny glob rules for tools and prompts, globally and per server. Options come from the plugin entry
 * (`["filter-rules", { ... }]`) or, when that gives none, from the config's top-level `filters` (followed on
 * reload).
 */
export const plugin = definePlugin({
  id: 'filter-rules',
  kind: 'filter',
  options: filterRulesOptionsSchema,
  deps: { config: coreServices.config, logger: coreServices.logger },
  setup({ config, logger }, options) {
    const own = filterRulesOptionsSchema.parse(options ?? {});
    if (!isEmptyRules(own)) {
      const fromConfig = config.current.filters;
      if (fromConfig && Object.keys(fromConfig).length > 0) {
        logger.warn('filter-rules has its own options; the config\'s top-level "filters" is ignored');
      }
      return createRulesFilter(new FilterRules(own));
    }
    const filter = createRulesFilter(new FilterRules(rulesFromConfig(config.current, config.filepath)));
    const unsubscribe = watchConfigFilters(config, logger, (rules) => filter.setRules(rules));
    return Object.assign(filter, { dispose: unsubscribe });
  },
});

export default plugin;
