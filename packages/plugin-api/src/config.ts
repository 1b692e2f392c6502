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
    separator: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4}$/, 'separator must be 1-4 of [A-Za-z0-9_-]')
      .default('__'),
    // Clients accept at most 64 characters (`^[A-Za-z0-9_-]{1,64}$`), whatever the spec allows.
    maxLength: z.number().int().min(16).max(64).default(64),
  })
  .strict();

export const timeoutsSchema = z
  .object({
    connectMs: z.number().int().positive().default(60_000),
    requestMs: z.number().int().positive().default(60_000),
    maxTotalMs: z
      .number()
      .int()
      .positive()
      .default(30 * 60_000),
  })
  .strict();

/** How failed servers are restarted (see docs: supervision). */
export const supervisionSchema = z
  .object({
    /** First restart delay; doubles each time (with jitter) up to `backoffMaxMs`. */
    backoffInitialMs: z.number().int().min(0).default(500),
    backoffMaxMs: z.number().int().min(0).default(30_000),
    /** This many failures within `failureWindowMs` open the circuit: the server is marked failed... */
    maxFailures: z.number().int().min(1).default(5),
    failureWindowMs: z.number().int().min(1).default(60_000),
    /** ...and is tried again after this long. */
    circuitOpenMs: z
      .number()
      .int()
      .min(0)
      .default(5 * 60_000),
    /** Ping ready servers this often (0 = no pings). */
    pingIntervalMs: z.number().int().min(0).default(30_000),
    /** How long a call waits for a restarting server before it fails with the server's state. */
    callWaitMs: z.number().int().min(0).default(10_000),
  })
  .strict();

export const profileSchema = z.object({ servers: z.array(z.string().min(1)), description: z.string().optional() }).strict();

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
    supervision: supervisionSchema.default({
      backoffInitialMs: 500,
      backoffMaxMs: 30_000,
      maxFailures: 5,
      failureWindowMs: 60_000,
      circuitOpenMs: 5 * 60_000,
      pingIntervalMs: 30_000,
      callWaitMs: 10_000,
    }),
    /** Watch the config file and apply valid changes as a diff (SIGHUP reloads too). */
    watch: z.boolean().default(true),
    /** How long the first list request waits for servers still starting. */
    startupBudgetMs: z.number().int().min(0).default(10_000),
    /** Items per upstream list page; clients follow our opaque cursors. */
    pageSize: z.number().int().min(1).default(1000),
    transport: z.enum(['stdio', 'streamable-http']).optional(),
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    logLevel: z.enum(logLevels).optional(),
    logFile: z.string().optional(),
    /**
     * Secret (32 characters or more) that signs the `requestState` handed to 2026-07-28 clients. Replicas behind one
     * load balancer need the same one (SWITCHBOARD_REQUEST_STATE_KEY); without it each process draws a random key.
     */
    requestStateKey: z
      .string()
      .min(32, 'must be at least 32 characters, in the config or SWITCHBOARD_REQUEST_STATE_KEY (e.g. `openssl rand -base64 32`)')
      .optional(),
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
