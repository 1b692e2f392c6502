import { z } from 'zod';

/** Options of the tool-search plugin. */
export const toolSearchOptionsSchema = z
  .object({
    /**
     * `all`: every tool listed (as without the plugin). `search`: only `search_tools` and `call_tool` are listed.
     * `hybrid`: the pinned tools plus the two meta-tools. `auto` (default): `hybrid` once the catalog has more
     * than `threshold` tools, `all` below.
     */
    mode: z.enum(['auto', 'all', 'search', 'hybrid']).default('auto'),
    /** Catalog size above which `auto` switches to `hybrid`. */
    threshold: z.number().int().nonnegative().default(40),
    /** Tools that stay listed in `hybrid` mode: exposed names (`github__create_issue`) or `server/tool`. */
    pinned: z.array(z.string().min(1)).default([]),
    /** How many of the most called tools also stay listed in `hybrid` mode (learned, kept in `usageFile`). */
    learnedPins: z.number().int().min(0).max(50).default(5),
    /**
     * Where call counts are kept: a path (relative to the config file's folder), or `false` to learn nothing.
     * Default: `switchboard.tool-usage.json` beside the config file, else in the user's state folder.
     */
    usageFile: z.union([z.string().min(1), z.literal(false)]).optional(),
    /** Results `search_tools` returns when the model does not say (it may ask for up to `maxResults`). */
    defaultResults: z.number().int().min(1).max(50).default(5),
    maxResults: z.number().int().min(1).max(100).default(20),
  })
  .strict()
  .prefault({});

export type ToolSearchOptions = z.output<typeof toolSearchOptionsSchema>;
export type ToolSearchOptionsInput = z.input<typeof toolSearchOptionsSchema>;
export type SearchMode = 'all' | 'search' | 'hybrid';
