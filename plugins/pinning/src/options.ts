import { z } from 'zod';

/** Options of the pinning plugin. */
export const pinningOptionsSchema = z
  .object({
    /** `tofu` (default): a tool seen for the first time is pinned as it is. `strict`: new tools need approval too. */
    policy: z.enum(['tofu', 'strict']).default('tofu'),
    /** The lockfile; relative paths start at the config file's folder. Default: `switchboard.lock.json` beside the config. */
    lockfile: z.string().min(1).optional(),
    /** How often the lockfile is re-read so an approval takes effect without a restart, in ms; 0 turns it off. */
    pollMs: z.number().int().nonnegative().default(2_000),
  })
  .strict()
  .prefault({});

export type PinningOptions = z.output<typeof pinningOptionsSchema>;
export type PinningOptionsInput = z.input<typeof pinningOptionsSchema>;
