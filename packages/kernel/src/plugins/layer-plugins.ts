import type { ResolvedPlugin } from './types.js';

/**
 * Combines plugin lists where a later layer wins (builtins < config < command line): a plugin whose id is
 * listed again in a later layer is replaced by that entry (and its options). Order: layer by layer.
 */
export function layerPlugins(layers: ReadonlyArray<readonly ResolvedPlugin[]>): {
  plugins: ResolvedPlugin[];
  replaced: Array<{ replaced: ResolvedPlugin; by: ResolvedPlugin }>;
} {
  const plugins: ResolvedPlugin[] = [];
  const replaced: Array<{ replaced: ResolvedPlugin; by: ResolvedPlugin }> = [];
  layers.forEach((layer, index) => {
    for (const item of layer) {
      const by = layers
        .slice(index + 1)
        .flat()
        .find((later) => later.plugin.id === item.plugin.id);
      if (by) replaced.push({ replaced: item, by });
      else plugins.push(item);
    }
  });
  return { plugins, replaced };
}
