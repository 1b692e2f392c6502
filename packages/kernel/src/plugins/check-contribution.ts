import type { PluginKind } from '@mcp-switchboard/plugin-api';

const isFn = (value: unknown) => typeof value === 'function';

/**
 * What is wrong with what a plugin's setup() returned, or undefined when it has the shape its kind needs.
 * Caught here, the message names the plugin; caught later, it would be a TypeError deep in the hub.
 */
export function contributionProblem(kind: PluginKind, value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return `setup() returned ${value === null ? 'null' : typeof value}, expected a ${kind} object`;
  const c = value as Record<string, unknown>;
  if (c.dispose !== undefined && !isFn(c.dispose)) return 'dispose is not a function';
  if (c.info !== undefined && !isFn(c.info)) return 'info is not a function';
  if (c.provides !== undefined && (c.provides === null || typeof c.provides !== 'object')) return 'provides is not an object of services';
  switch (kind) {
    case 'config-source':
      if (!isFn(c.load)) return 'a config-source needs a load() function';
      if (c.watch !== undefined && !isFn(c.watch)) return 'watch is not a function';
      return undefined;
    case 'reporter':
      if (!isFn(c.onEvent)) return 'a reporter needs an onEvent() function';
      if (c.flush !== undefined && !isFn(c.flush)) return 'flush is not a function';
      return undefined;
    case 'filter':
      for (const key of ['tool', 'prompt', 'beforeToolCall', 'onChange']) if (c[key] !== undefined && !isFn(c[key])) return `${key} is not a function`;
      return undefined;
    case 'middleware':
      for (const key of ['tool', 'prompt', 'virtualTools', 'virtualPrompts', 'beforeToolCall', 'afterToolCall', 'onChange']) {
        if (c[key] !== undefined && !isFn(c[key])) return `${key} is not a function`;
      }
      return undefined;
    case 'service':
      return undefined;
    case 'transport': {
      const upstream = c.upstream as Record<string, unknown> | undefined;
      if (upstream !== undefined && (typeof upstream?.name !== 'string' || !isFn(upstream.start) || !isFn(upstream.stop))) {
        return 'upstream needs a name, start() and stop()';
      }
      if (c.connectors !== undefined) {
        if (!Array.isArray(c.connectors)) return 'connectors is not an array';
        for (const connector of c.connectors as Array<Record<string, unknown> | null>) {
          if (!Array.isArray(connector?.types) || !isFn(connector.connect)) return 'each connector needs types[] and connect()';
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
