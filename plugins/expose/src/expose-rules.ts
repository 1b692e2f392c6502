import { mergeServers, type ExposeOptions, type PromptOverride, type ToolOverride } from './options.js';

/** The change to one listed item: plugin API 2's `ListedItemChange` object form. */
export interface ItemChange {
  readonly name?: string;
  readonly title?: string;
  readonly description?: string;
  readonly annotations?: ToolOverride['annotations'];
}

type ServerRules = ExposeOptions['servers'][string];

/**
 * The overrides of the expose plugin, compiled once: for a (profile, server, item) the change to apply, or
 * undefined when the item is left as it is. A profile's overrides apply over the base ones, field by field.
 */
export class ExposeRules {
  private readonly views = new Map<string | undefined, Record<string, ServerRules>>();

  constructor(readonly options: ExposeOptions) {
    this.views.set(undefined, options.servers);
    for (const [profile, rules] of Object.entries(options.profiles)) this.views.set(profile, mergeServers(options.servers, rules.servers));
  }

  tool(serverId: string, originalName: string, profile?: string): ItemChange | undefined {
    return present(this.rulesFor(serverId, profile)?.tools[originalName]);
  }

  prompt(serverId: string, originalName: string, profile?: string): ItemChange | undefined {
    return present(this.rulesFor(serverId, profile)?.prompts[originalName] as PromptOverride | undefined);
  }

  /** True when no override exists at all. */
  get isEmpty(): boolean {
    return [...this.views.values()].every((servers) => Object.values(servers).every((s) => !Object.keys(s.tools).length && !Object.keys(s.prompts).length));
  }

  private rulesFor(serverId: string, profile: string | undefined): ServerRules | undefined {
    return (this.views.get(profile) ?? this.views.get(undefined))![serverId];
  }
}

function present(override: ToolOverride | undefined): ItemChange | undefined {
  if (!override) return undefined;
  const change: { -readonly [K in keyof ItemChange]: ItemChange[K] } = {};
  if (override.name !== undefined) change.name = override.name;
  if (override.title !== undefined) change.title = override.title;
  if (override.description !== undefined) change.description = override.description;
  if (override.annotations !== undefined) change.annotations = override.annotations;
  return Object.keys(change).length ? change : undefined;
}
