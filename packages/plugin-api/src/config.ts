import { z } from 'zod';
import { mcpServerEntrySchema } from './server-definition.js';

/** A `plugins` entry: a name, `[name, options]`, or (in a `.mjs`/`.js` config) a plugin object. */
export const pluginEntrySchema = z.union([
  z.string().min(1),
  z.tuple([z.string().min(1), z.record(z.string(), z.unknown())]),
  z.object({ id: z.string(), kind: z.string(), setup: z.unknown() }).loose(),
]);
export type PluginEntry = z.infer<typeof pluginEntrySchema>;

export const namespaceSchema = z
  .object({
    /** `always`: every name is `<server><separator><name>`; `on-collision`: only clashing names; `never`: original names. */
    mode: z.enum(['always', 'on-collision', 'never']).default('always'),
    separator: z.string().regex(/^[A-Za-z0-9_-]{1,4}$/, 'separator must be 1-4 of [A-Za-z0-9_-]').default('__'),
    // Clients accept at most 64 characters (`^[A-Za-z0-9_-]{1,64}$`), whatever the spec allows.
    maxLength: z.number().int().min(16).max(64).default(64),
  })
  .strict();

export const timeoutsSchema = z
  .object({
    connectMs: z.number().int().positive().default(60_000),
    requestMs: z.number().int().positive().default(60_000),
    maxTotalMs: z.number().int().positive().default(30 * 60_000),
  })
  .strict();

export const profileSchema = z
  .object({ servers: z.array(z.string().min(1)), description: z.string().optional() })
  .strict();

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * The configuration file. Unknown top-level keys are kept (a Claude Desktop config holds other settings), so
 * any JSON with `mcpServers` is a valid Switchboard config.
 */
export const switchboardConfigSchema = z
  .object({
    mcpServers: z.record(z.string().min(1), mcpServerEntrySchema).default({}),
    profiles: z.record(z.string().min(1), profileSchema).optional(),
    profile: z.string().min(1).optional(),
    plugins: z.array(pluginEntrySchema).optional(),
    namespace: namespaceSchema.default({ mode: 'always', separator: '__', maxLength: 64 }),
    timeouts: timeoutsSchema.default({ connectMs: 60_000, requestMs: 60_000, maxTotalMs: 30 * 60_000 }),
    /** How long the first list request waits for servers still starting. */
    startupBudgetMs: z.number().int().min(0).default(10_000),
    /** Items per upstream list page; clients follow our opaque cursors. */
    pageSize: z.number().int().min(1).default(1000),
    transport: z.enum(['stdio', 'streamable-http']).optional(),
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    logLevel: z.enum(logLevels).optional(),
    logFile: z.string().optional(),
    /** Options for the built-in filter-rules plugin. */
    filters: z.record(z.string(), z.unknown()).optional(),
  })
  .loose()
  .superRefine((config, ctx) => {
    for (const [profile, def] of Object.entries(config.profiles ?? {})) {
      def.servers.forEach((server, index) => {
        if (!(server in config.mcpServers)) {
          ctx.addIssue({
            code: 'custom',
            path: ['profiles', profile, 'servers', index],
            message: `profile "${profile}" names server "${server}", which is not in mcpServers (known: ${Object.keys(config.mcpServers).join(', ') || 'none'})`,
          });
        }
      });
    }
  });

export type SwitchboardConfig = z.infer<typeof switchboardConfigSchema>;
export type SwitchboardConfigInput = z.input<typeof switchboardConfigSchema>;
