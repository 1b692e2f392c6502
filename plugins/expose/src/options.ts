import { z } from 'zod';

/** A name clients accept everywhere: 1-64 of letters, digits, `_`, `-` and `.`. */
const exposedName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a name must be 1-64 characters of A-Z a-z 0-9 _ - .');

const annotationsSchema = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .strict();

/** What may be changed about one tool. */
export const toolOverrideSchema = z
  .object({
    /** The name clients see and call instead of `<server>__<tool>`. */
    name: exposedName.optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    /** Merged over the server's annotations. */
    annotations: annotationsSchema.optional(),
  })
  .strict();

/** What may be changed about one prompt. */
export const promptOverrideSchema = toolOverrideSchema.omit({ annotations: true }).strict();

const serverRulesSchema = z
  .object({
    /** By the server's own tool name. */
    tools: z.record(z.string().min(1), toolOverrideSchema).default({}),
    /** By the server's own prompt name. */
    prompts: z.record(z.string().min(1), promptOverrideSchema).default({}),
  })
  .strict()
  .prefault({});

const viewRulesSchema = z
  .object({
    /** By server id (the `mcpServers` key). */
    servers: z.record(z.string().min(1), serverRulesSchema).default({}),
  })
  .strict();

/** Options of the expose plugin: overrides by server, and per profile on top of them. */
export const exposeOptionsSchema = viewRulesSchema
  .extend({
    /** By profile name: these overrides apply in that profile's view, field by field over the ones above. */
    profiles: z.record(z.string().min(1), viewRulesSchema.prefault({})).default({}),
  })
  .strict()
  .prefault({})
  .superRefine((options, context) => {
    // Two items renamed to one name in the same view would make one of them unreachable: refuse it up front.
    const views: Array<[string, Record<string, z.output<typeof serverRulesSchema>>]> = [['', options.servers]];
    for (const [profile, rules] of Object.entries(options.profiles)) views.push([profile, mergeServers(options.servers, rules.servers)]);
    for (const [profile, servers] of views) {
      for (const kind of ['tools', 'prompts'] as const) {
        const owners = new Map<string, string>();
        for (const [server, rules] of Object.entries(servers)) {
          for (const [item, override] of Object.entries(rules[kind])) {
            if (!override.name) continue;
            const owner = `${server}/${item}`;
            const first = owners.get(override.name);
            if (first)
              context.addIssue({
                code: 'custom',
                path: profile ? ['profiles', profile] : ['servers', server],
                message: `${first} and ${owner} are both renamed to "${override.name}"${profile ? ` in profile "${profile}"` : ''}`,
              });
            else owners.set(override.name, owner);
          }
        }
      }
    }
  });

type ServerRules = z.output<typeof serverRulesSchema>;

/** The profile's server rules merged over the base ones, item by item and field by field. */
export function mergeServers(base: Record<string, ServerRules>, profile: Record<string, ServerRules>): Record<string, ServerRules> {
  const merged: Record<string, ServerRules> = { ...base };
  for (const [server, rules] of Object.entries(profile)) {
    const under = base[server] ?? { tools: {}, prompts: {} };
    const tools = { ...under.tools };
    for (const [name, override] of Object.entries(rules.tools)) {
      const before = tools[name];
      tools[name] = {
        ...before,
        ...override,
        ...(before?.annotations || override.annotations ? { annotations: { ...before?.annotations, ...override.annotations } } : {}),
      };
    }
    const prompts = { ...under.prompts };
    for (const [name, override] of Object.entries(rules.prompts)) prompts[name] = { ...prompts[name], ...override };
    merged[server] = { tools, prompts };
  }
  return merged;
}

export type ExposeOptions = z.output<typeof exposeOptionsSchema>;
export type ExposeOptionsInput = z.input<typeof exposeOptionsSchema>;
export type ToolOverride = z.output<typeof toolOverrideSchema>;
export type PromptOverride = z.output<typeof promptOverrideSchema>;
