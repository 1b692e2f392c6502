import { SwitchboardError, pluginKinds } from '@mcp-switchboard/plugin-api';
import type { ResolvedPlugin } from './types.js';

const rank = (item: ResolvedPlugin) => (item.plugin.enforce === 'pre' ? 0 : item.plugin.enforce === 'post' ? 2 : 1);

/** The order when no dependency decides: by phase (pluginKinds), inside a phase `pre`, config order, `post`. */
function phaseOrder(plugins: readonly ResolvedPlugin[]): ResolvedPlugin[] {
  return pluginKinds.flatMap((kind) => plugins.filter((item) => item.plugin.kind === kind).sort((a, b) => rank(a) - rank(b)));
}

/** The tokens a plugin provides (1.x plugin objects have no `provides`). */
export function providedTokens(item: ResolvedPlugin): Array<{ key: string; id: string; multiple: boolean }> {
  return Object.entries(item.plugin.provides ?? {}).map(([key, token]) => ({ key, id: token.id, multiple: token.multiple }));
}

/** Token id → the plugins that provide it. */
export function providersByToken(plugins: readonly ResolvedPlugin[]): Map<string, ResolvedPlugin[]> {
  const providers = new Map<string, ResolvedPlugin[]>();
  for (const item of plugins) for (const { id } of providedTokens(item)) providers.set(id, [...(providers.get(id) ?? []), item]);
  return providers;
}

/** The plugins `item` depends on through provided services. */
function providersOf(item: ResolvedPlugin, providers: Map<string, ResolvedPlugin[]>): ResolvedPlugin[] {
  return Object.values(item.plugin.deps ?? {}).flatMap((token) => (providers.get(token.id) ?? []).filter((p) => p !== item));
}

/**
 * The order plugins are set up: a plugin after every plugin that provides a service it depends on; otherwise by
 * phase (service, config-source, reporter, filter, middleware, transport) and inside a phase the `pre` plugins,
 * then the rest in config order, then `post` (Rollup's ordering). Cycles are left in phase order here;
 * `dependencyProblems` reports them before anything is set up.
 */
export function setupOrder(plugins: readonly ResolvedPlugin[]): ResolvedPlugin[] {
  const base = phaseOrder(plugins);
  const providers = providersByToken(base);
  const done = new Set<ResolvedPlugin>();
  const order: ResolvedPlugin[] = [];
  while (order.length < base.length) {
    // The first plugin (in phase order) whose providers are all set up; in a cycle, the first left.
    const next = base.find((item) => !done.has(item) && providersOf(item, providers).every((p) => done.has(p))) ?? base.find((item) => !done.has(item))!;
    done.add(next);
    order.push(next);
  }
  return order;
}

const named = (item: ResolvedPlugin) => `plugin "${item.plugin.id}" (${item.source})`;

/**
 * Problems of the provided services, all at once: a single-value token provided twice, and dependency cycles
 * (each names the plugins in it and the tokens that link them).
 */
export function dependencyProblems(plugins: readonly ResolvedPlugin[]): SwitchboardError[] {
  const errors: SwitchboardError[] = [];
  const providers = providersByToken(plugins);
  for (const [id, list] of providers) {
    const multiple = providedTokens(list[0]!).find((t) => t.id === id)!.multiple;
    if (!multiple && list.length > 1) {
      errors.push(
        new SwitchboardError('SWB_PLUGIN_INVALID', `${list.map(named).join(' and ')} both provide "${id}", a token with one value`, {
          fix: 'Load only one of them, or make the token a multi-token (createToken(id, { multiple: true })) if several values are meant.',
          details: { plugins: list.map((p) => p.plugin.id), token: id },
        }),
      );
    }
  }
  // Depth-first search for cycles through "depends on a service provided by".
  const state = new Map<ResolvedPlugin, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (item: ResolvedPlugin, path: ResolvedPlugin[]) => {
    if (state.get(item) === 'done') return;
    if (state.get(item) === 'visiting') {
      const cycle = path.slice(path.indexOf(item));
      const key = cycle
        .map((p) => p.plugin.id)
        .sort()
        .join(',');
      if (!reported.has(key)) {
        reported.add(key);
        const links = cycle.map((from, i) => {
          const to = cycle[(i + 1) % cycle.length]!;
          const token = Object.values(from.plugin.deps ?? {}).find((t) => providedTokens(to).some((p) => p.id === t.id));
          return `${named(from)} depends on "${token?.id}" from ${named(to)}`;
        });
        errors.push(
          new SwitchboardError('SWB_PLUGIN_INVALID', `plugins depend on each other's services in a cycle: ${links.join('; ')}`, {
            fix: 'Break the cycle: move the shared part into a service plugin of its own that both depend on, or look the other service up later (in lifecycle.onStart).',
            details: { plugins: cycle.map((p) => p.plugin.id) },
          }),
        );
      }
      return;
    }
    state.set(item, 'visiting');
    for (const provider of providersOf(item, providers)) visit(provider, [...path, item]);
    state.set(item, 'done');
  };
  for (const item of plugins) visit(item, []);
  return errors;
}
